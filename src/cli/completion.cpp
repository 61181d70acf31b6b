#include "cli/completion.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/shell_quote.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// Options whose value is a stage name of the pipeline on the command line.
constexpr const char* k_stage_options = "--stage --from --force-stage";

void flatten(const CommandModel& command, const std::string& prefix,
             std::vector<std::pair<std::string, const CommandModel*>>& out) {
  std::string path = prefix.empty() ? command.name : prefix + " " + command.name;
  out.emplace_back(path, &command);
  for (const auto& sub : command.subcommands) {
    flatten(sub, path, out);
  }
}

std::vector<std::pair<std::string, const CommandModel*>> all_commands(const CommandModel& root) {
  std::vector<std::pair<std::string, const CommandModel*>> out;
  for (const auto& sub : root.subcommands) {
    flatten(sub, "", out);
  }
  return out;
}

std::vector<std::string> names_of(const std::vector<CommandModel>& commands) {
  std::vector<std::string> names;
  for (const auto& command : commands) {
    names.push_back(command.name);
  }
  return names;
}

std::string bash_function(const CommandModel& root) {
  std::string cases;
  for (const auto& [path, command] : all_commands(root)) {
    std::vector<std::string> words = command->options;
    words.insert(words.end(), root.options.begin(), root.options.end());
    cases += fmt::format("    {}) subs={}; opts={} ;;\n", shell_quote(path),
                         shell_quote(join(names_of(command->subcommands), " ")),
                         shell_quote(join(words, " ")));
  }
  return fmt::format(
      R"bash(# mlops completion for bash: eval "$(mlops completion bash)" in ~/.bashrc
_mlops() {{
  # Under zsh (bashcompinit), index arrays from 0 as bash does.
  [ -n "${{ZSH_VERSION:-}}" ] && setopt localoptions ksharrays
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  local cmdpath="" word i file="" subs opts
  # The subcommand path so far ("cmdpath": zsh reserves "path") ("trigger check"), and the first pipeline file named.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    case "$word" in
      -*) ;;
      *.yaml|*.yml) [ -z "$file" ] && file=$word ;;
      *) case " $(_mlops_subcommands "$cmdpath") " in
           *" $word "*) cmdpath=${{cmdpath:+$cmdpath }}$word ;;
         esac ;;
    esac
  done
  case " {stage_options} " in
    *" $prev "*)
      if [ -n "$file" ]; then
        COMPREPLY=($(compgen -W "$(mlops __stages "$file" 2>/dev/null)" -- "$cur"))
      fi
      return ;;
  esac
  case "$prev" in
    --store|--params-file|--junit|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --format|-f) COMPREPLY=($(compgen -W "dot mermaid json text" -- "$cur")); return ;;
  esac
  _mlops_words "$cmdpath"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [ -n "$subs" ]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    local f
    COMPREPLY=()
    while IFS= read -r f; do
      [[ -d "$f" || "$f" == *.yaml || "$f" == *.yml ]] && COMPREPLY+=("$f")
    done < <(compgen -f -- "$cur")
  fi
}}
_mlops_subcommands() {{ _mlops_words "$1"; echo "$subs"; }}
_mlops_words() {{
  case "$1" in
    '') subs={root_subs}; opts={root_opts} ;;
{cases}    *) subs=""; opts="" ;;
  esac
}}
complete -o filenames -F _mlops mlops
)bash",
      fmt::arg("stage_options", k_stage_options),
      fmt::arg("root_subs", shell_quote(join(names_of(root.subcommands), " "))),
      fmt::arg("root_opts", shell_quote(join(root.options, " "))), fmt::arg("cases", cases));
}

std::string fish_script(const CommandModel& root) {
  std::string text =
      "# mlops completion for fish: mlops completion fish > "
      "~/.config/fish/completions/mlops.fish\n"
      "function __mlops_pipeline\n"
      "  for word in (commandline -opc)\n"
      "    if string match -qr '\\.ya?ml$' -- $word\n"
      "      echo $word; return\n"
      "    end\n"
      "  end\n"
      "end\n"
      "function __mlops_pipeline_files\n"
      "  for path in (__fish_complete_path (commandline -ct) | string split -f1 \\t)\n"
      "    if test -d $path; or string match -qr '\\.ya?ml$' -- $path\n"
      "      echo $path\n"
      "    end\n"
      "  end\n"
      "end\n"
      "complete -c mlops -f\n";
  for (const auto& sub : root.subcommands) {
    text += fmt::format("complete -c mlops -n __fish_use_subcommand -a {} -d {}\n",
                        shell_quote(sub.name), shell_quote(sub.description));
  }
  std::string stage_options = std::string(" ") + k_stage_options + " ";
  auto option_line = [&](const std::string& condition, const std::string& option,
                         const CommandModel& command) {
    std::string flag =
        option.starts_with("--") ? "-l " + option.substr(2) : "-s " + option.substr(1);
    std::string value;
    bool takes_value = std::find(command.value_options.begin(), command.value_options.end(),
                                 option) != command.value_options.end();
    if (stage_options.find(" " + option + " ") != std::string::npos) {
      value = " -x -a '(mlops __stages (__mlops_pipeline) 2>/dev/null)'";
    } else if (option == "--color") {
      value = " -x -a 'auto always never'";
    } else if (takes_value) {
      value = " -r -F";
    }
    std::string when = condition.empty() ? "" : " -n " + shell_quote(condition);
    return fmt::format("complete -c mlops{} {}{}\n", when, flag, value);
  };
  for (const auto& [path, command] : all_commands(root)) {
    std::vector<std::string> words = split(path, ' ');
    std::string condition = "__fish_seen_subcommand_from " + words.back();
    for (const auto& sub : command->subcommands) {
      text += fmt::format("complete -c mlops -n {} -a {} -d {}\n", shell_quote(condition),
                          shell_quote(sub.name), shell_quote(sub.description));
    }
    for (const auto& option : command->options) {
      text += option_line(condition, option, *command);
    }
    if (command->subcommands.empty()) {
      text += fmt::format("complete -c mlops -n {} -a '(__mlops_pipeline_files)'\n",
                          shell_quote(condition));
    }
  }
  for (const auto& option : root.options) {
    text += option_line("", option, root);
  }
  return text;
}

}  // namespace

std::string completion_script(const CommandModel& root, const std::string& shell) {
  if (shell == "bash") {
    return bash_function(root);
  }
  if (shell == "zsh") {
    // zsh runs the bash function through its bash-compatibility layer.
    return "# mlops completion for zsh: eval \"$(mlops completion zsh)\" in ~/.zshrc\n"
           "autoload -U +X compinit && compinit\n"
           "autoload -U +X bashcompinit && bashcompinit\n" +
           bash_function(root);
  }
  if (shell == "fish") {
    return fish_script(root);
  }
  return "";
}

std::vector<std::string> command_paths(const CommandModel& root) {
  std::vector<std::string> out;
  for (const auto& option : root.options) {
    out.push_back(option);
  }
  for (const auto& [path, command] : all_commands(root)) {
    out.push_back(path);
    for (const auto& option : command->options) {
      if (option.starts_with("--")) {
        out.push_back(path + " " + option);
      }
    }
  }
  return out;
}

}  // namespace mlops

// `mlops ui` end to end: the real server on a free port in a temporary workspace, read with curl
// (status codes, headers, /api shapes against the CLI's --json, traversal and method refusals)
// and with headless Chromium (the DOM of each page, escaping, a live run's page updated in place
// by server-sent events, screenshots to $MLOPS_UI_SCREENSHOTS, default build/ui-screenshots/).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/harness.hpp"
#include "util/shell_quote.hpp"

namespace mlops::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_pipeline = R"(version: 1
name: exp
params: {lr: 0.1, label: "<script>alert(1)</script>"}
stages:
  train:
    run: |
      echo "training with ${params.lr}"
      echo '{"auc": ${params.lr}}' > metrics.json
    metrics: [metrics.json]
)";

constexpr const char* k_live_pipeline = R"(version: 1
name: live
stages:
  wait:
    run: echo waiting; while [ ! -e go ]; do sleep 0.05; done; echo went
)";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Starts `argv` in `cwd` with stdout and stderr to files; returns its pid.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& out,
            const fs::path& err) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0 || ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    std::vector<char*> c_argv;
    for (const std::string& arg : argv) {
      c_argv.push_back(const_cast<char*>(arg.c_str()));
    }
    c_argv.push_back(nullptr);
    ::execvp(c_argv[0], c_argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits up to `limit` for `pid`; its exit code, 128 + signal, or -1 (then killed).
int wait_for(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Http {
  int status = 0;
  std::string headers;  // lower-cased
  std::string body;
};

// `mlops ui --port 0` in a workspace; stopped with SIGINT when destroyed.
class UiServer {
 public:
  explicit UiServer(const Workspace& ws, std::vector<std::string> extra = {}) : m_ws(ws) {
    std::vector<std::string> argv = {mlops_binary().string(), "ui", "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    static int count = 0;  // each server its own files: a new one must not read the last's
    std::string name = "ui" + std::to_string(++count);
    m_out = ws / (name + ".out");
    m_err = ws / (name + ".err");
    m_pid = spawn(argv, ws.path(), m_out, m_err);
    std::regex line(R"(mlops ui: serving (http://[^ ]+:(\d+))/ \(read-only; Ctrl-C stops\)\n)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::smatch match;
    std::string out;
    while (std::chrono::steady_clock::now() < deadline) {
      out = read_text(m_out);
      if (std::regex_search(out, match, line)) {
        base = match[1];
        port = std::stoi(match[2]);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "mlops ui did not start: " << out << read_text(m_err);
  }
  ~UiServer() {
    if (m_pid > 0) {
      stop(SIGINT);
    }
  }
  int stop(int signal) {
    ::kill(m_pid, signal);
    int code = wait_for(m_pid, std::chrono::seconds(5));
    m_pid = -1;
    return code;
  }
  std::string err() const { return read_text(m_err); }

  // GET (or `curl_args`) of `target`, sent as is (--path-as-is).
  Http get(const std::string& target, const std::string& curl_args = "") const {
    fs::path body = m_ws / "http.body";
    fs::path headers = m_ws / "http.headers";
    ShellResult result =
        run_shell("curl -s --path-as-is --max-time 10 -o " + shell_quote(body.string()) + " -D " +
                  shell_quote(headers.string()) + " -w '%{http_code}' " + curl_args + " " +
                  shell_quote(base + target));
    Http http;
    http.status = std::atoi(result.out.c_str());
    http.headers = read_text(headers);
    std::transform(http.headers.begin(), http.headers.end(), http.headers.begin(), ::tolower);
    http.body = read_text(body);
    return http;
  }

  std::string base;
  int port = 0;

 private:
  const Workspace& m_ws;
  fs::path m_out;
  fs::path m_err;
  pid_t m_pid = -1;
};

class UiTest : public WorkspaceTest {
 protected:
  void SetUp() override {
    ws.write("pipeline.yaml", k_pipeline);
    first = run({"--name", "low", "--tag", "team=churn"});
    second = run({"-p", "lr=0.9", "--name", "high", "--tag", "team=churn", "--force"});
    xss = run({"-p", "lr=0.5", "--tag", "team=<script>alert(1)</script>", "--note",
               "<img src=x onerror=alert(2)>", "--force"});
  }
  std::string run(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "pipeline.yaml"});
    CommandResult result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return latest_run();
  }
  nlohmann::json cli_json(std::vector<std::string> args) {
    CommandResult result = mlops(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out, nullptr, false);
  }
  std::string first, second, xss;
};

TEST_F(UiTest, PagesAndApiOverHttpMatchTheCli) {
  UiServer ui(ws);
  Http index = ui.get("/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_NE(index.headers.find("content-type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(index.headers.find("x-content-type-options: nosniff"), std::string::npos);
  EXPECT_NE(index.headers.find("cache-control: no-store"), std::string::npos);
  EXPECT_NE(index.headers.find("content-security-policy: default-src 'none'; script-src 'nonce-"),
            std::string::npos)
      << index.headers;
  for (const std::string& id : {first, second, xss}) {
    EXPECT_NE(index.body.find("href=\"/runs/" + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(index.body.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(index.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(index.body.find("http://"), std::string::npos) << "nothing from elsewhere";

  Http api = ui.get("/api");
  ASSERT_EQ(api.status, 200);
  EXPECT_NE(api.headers.find("content-type: application/json"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(api.body),
            cli_json({"runs", "--params", "--metrics", "--json", "--limit", "0"}));
  EXPECT_EQ(nlohmann::json::parse(ui.get("/api/runs/" + xss).body),
            cli_json({"show", xss, "--json"}));
  EXPECT_EQ(nlohmann::json::parse(ui.get("/api/compare?runs=" + first + "," + second).body),
            cli_json({"compare", first, second, "--json"}));
  auto filtered =
      nlohmann::json::parse(ui.get("/api?filter=metrics.auc%3E0.3&sort=-metrics.auc").body);
  ASSERT_EQ(filtered.size(), 2u) << filtered;
  EXPECT_EQ(filtered[0]["id"], second);

  Http run_page = ui.get("/runs/high");  // a name works where an id does
  EXPECT_EQ(run_page.status, 200);
  EXPECT_NE(run_page.body.find("training with 0.9"), std::string::npos) << "the log tail";
  EXPECT_EQ(ui.get("/runs/nosuch").status, 404);
  EXPECT_EQ(ui.get("/?filter=metrics.auc%3Ehigh").status, 400);
  EXPECT_EQ(ui.get("/compare?runs=" + first + ",nosuch").status, 404);
}

TEST_F(UiTest, RefusesTraversalOtherMethodsAndForeignHosts) {
  ws.write(".mlops/secret.txt", "root:x:0:0 secret");
  UiServer ui(ws);
  for (const char* target :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/runs/..%2F..%2F.mlops%2Fsecret.txt",
        "/runs/../../.mlops/secret.txt", "/.mlops/store.db", "/pipeline.yaml", "/api/../etc/passwd",
        "/runs/%00", "/runs/", "//etc/passwd", "/index.html", "/events/runs/..%2f..%2fx"}) {
    Http http = ui.get(target);
    EXPECT_EQ(http.status, 404) << target;
    EXPECT_EQ(http.body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(http.body.find("SQLite"), std::string::npos) << target;
  }
  Http absolute = ui.get("/", "--request-target 'http://evil.example/etc/passwd'");
  EXPECT_EQ(absolute.status, 404);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    Http refused = ui.get("/", std::string("-X ") + method + " --data x=1");
    EXPECT_EQ(refused.status, 405) << method;
    EXPECT_NE(refused.headers.find("allow: get, head"), std::string::npos) << refused.headers;
  }
  EXPECT_EQ(ui.get("/", "-H 'Host: evil.example'").status, 421);
  EXPECT_EQ(ui.get("/", "-H 'Host: evil.example:" + std::to_string(ui.port) + "'").status, 421);
  EXPECT_EQ(ui.get("/", "-H 'Host: localhost:" + std::to_string(ui.port) + "'").status, 200);
  EXPECT_EQ(ui.get("/", "-I").status, 200);  // HEAD
  EXPECT_EQ(ui.stop(SIGTERM), 143) << ui.err();
}

TEST_F(UiTest, ATamperedLogPathReadsNothingOutsideTheLogDirectory) {
  ws.write("outside.txt", "root:x:0:0 not a log");
  fs::create_symlink("/etc/passwd", ws / (".mlops/logs/" + first + "/link.log"));
  std::string store = shell_quote((ws / ".mlops/store.db").string());
  for (const std::string& path :
       {std::string("/etc/passwd"), std::string("outside.txt"), std::string("../../etc/passwd"),
        ".mlops/logs/" + first + "/../../../outside.txt", ".mlops/logs/" + first + "/link.log"}) {
    ASSERT_EQ(run_shell("sqlite3 " + store + " \"UPDATE executions SET log_path = '" + path +
                        "' WHERE run_id = '" + first + "'\"")
                  .status,
              0);
    UiServer ui(ws);
    Http page = ui.get("/runs/" + first);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body.find("root:"), std::string::npos) << path;
    EXPECT_NE(page.body.find("is not a file in .mlops/logs/"), std::string::npos) << path;
  }
}

// docs/security.md: a pipeline's `env:` values never reach a report, even when a stage prints
// them; the run page's log tails (served and exported) hide them as `mlops report` does.
TEST_F(UiTest, APipelinesEnvValuesPrintedByAStageAreHiddenInLogTails) {
  ws.write("secret.yaml", R"(version: 1
name: secret
env: {DB_PASSWORD: hunter2-pipeline-secret}
stages:
  leak:
    env: {STAGE_KEY: stage-level-secret-value}
    run: echo "password=$DB_PASSWORD key=$STAGE_KEY done"
)");
  CommandResult ran = mlops({"run", "secret.yaml", "--name", "leaky"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  UiServer ui(ws);
  Http page = ui.get("/runs/leaky");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("password=*** key=*** done"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("hunter2-pipeline-secret"), std::string::npos);
  EXPECT_EQ(page.body.find("stage-level-secret-value"), std::string::npos);
  Http events = ui.get("/events/runs/leaky");  // the run is over: one poll, then `end`
  EXPECT_NE(events.body.find("password=*** key=*** done"), std::string::npos) << events.body;
  EXPECT_EQ(events.body.find("hunter2-pipeline-secret"), std::string::npos);
  ASSERT_EQ(mlops({"ui", "--export", "site"}).exit_code, 0);
  std::string exported = ws.read("site/runs/" + latest_run() + ".html");
  EXPECT_NE(exported.find("password=*** key=*** done"), std::string::npos);
  EXPECT_EQ(exported.find("hunter2-pipeline-secret"), std::string::npos);
}

// The run page shows what `mlops report` shows: its params table and plots too.
TEST_F(UiTest, ARunPageShowsTheReportsParamsAndPlots) {
  ws.write("plots.yaml", R"(version: 1
name: plotted
params: {depth: 7}
stages:
  draw:
    run: printf 'step,loss\n1,0.5\n2,0.25\n' > loss.csv
    plots: [{path: loss.csv, x: step, y: loss, title: "<b>loss curve</b>"}]
)");
  CommandResult ran = mlops({"run", "plots.yaml", "--name", "drawn"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  UiServer ui(ws);
  Http page = ui.get("/runs/drawn");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<h2>Params"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("<h2>Plots"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("class=\"plot linear\""), std::string::npos);
  EXPECT_NE(page.body.find("&lt;b&gt;loss curve&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(page.body.find("<b>loss curve"), std::string::npos);
}

TEST_F(UiTest, CompareOverlaysTheRunsPlots) {
  ws.write("plots.yaml", R"(version: 1
name: plotted
params: {slope: 1}
stages:
  draw:
    run: printf 'x,y\n0,0\n1,${params.slope}\n' > roc.csv
    plots: [{path: roc.csv, x: x, y: y}]
)");
  ASSERT_EQ(mlops({"run", "plots.yaml", "--name", "flat"}).exit_code, 0);
  ASSERT_EQ(mlops({"run", "plots.yaml", "-p", "slope=3", "--name", "steep"}).exit_code, 0);
  UiServer ui(ws);
  Http page = ui.get("/compare?runs=flat,steep");
  ASSERT_EQ(page.status, 200) << page.body;
  size_t plots = page.body.find("<h2>Plots</h2>");
  ASSERT_NE(plots, std::string::npos) << page.body;
  EXPECT_NE(page.body.find("<svg", plots), std::string::npos);
  EXPECT_NE(page.body.find("roc.csv", plots), std::string::npos);
  EXPECT_NE(page.body.find("flat", plots), std::string::npos);  // both runs in the legend
  EXPECT_NE(page.body.find("steep", plots), std::string::npos);
  // Runs that recorded no plots: no section.
  Http plain = ui.get("/compare?runs=low,high");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body.find("<h2>Plots</h2>"), std::string::npos);
}

// docs/ui.md: the UI opens the store as `mlops runs` does, marking only runs whose mlops died. A
// copy of a workspace taken while a run was going names that live run: opening the copy must
// leave the original's stage running.
TEST_F(UiTest, ACopyOfAWorkspaceLeavesTheOriginalsRunningRunAlone) {
  ws.write("live.yaml", k_live_pipeline);
  MlopsProcess running({"run", "live.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_executions(ws / ".mlops/store.db", 4)) << "the live run's stage started";
  Workspace copy;
  ASSERT_EQ(run_shell("cp -a " + shell_quote((ws / ".mlops").string()) + " " +
                      shell_quote(copy.path().string()))
                .status,
            0);
  CommandResult exported = run_mlops({"ui", "--export", "site"}, {copy.path(), {}, std::nullopt});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  ws.write("go", "");
  CommandResult original = running.wait();
  EXPECT_EQ(original.exit_code, 0) << original.err;
  EXPECT_EQ(original.err.find("killed by signal"), std::string::npos) << original.err;
}

// Live pages that went away (a page reloaded eight times) give their slots back within about a
// second, so the next page still gets its live updates rather than 503.
TEST_F(UiTest, LiveSlotsOfClosedPagesAreFreedSoon) {
  ws.write("live.yaml", k_live_pipeline);
  MlopsProcess running({"run", "live.yaml", "--name", "going"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_executions(ws / ".mlops/store.db", 4)) << "the live run's stage started";
  UiServer ui(ws);
  std::vector<pid_t> pages;
  for (int i = 0; i < 8; ++i) {
    pages.push_back(spawn({"curl", "-sN", ui.base + "/events/runs/going"}, ws.path(),
                          ws / "sse.out", ws / "sse.err"));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ui.err().find("(8 open)") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(ui.err().find("(8 open)"), std::string::npos) << ui.err();
  EXPECT_EQ(ui.get("/events/runs/going", "--max-time 1").status, 503);
  for (pid_t page : pages) {
    ::kill(page, SIGKILL);
    wait_for(page, std::chrono::seconds(5));
  }
  int status = 503;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (status == 503 && std::chrono::steady_clock::now() < deadline) {
    status = ui.get("/events/runs/going", "--max-time 0.5").status;
  }
  EXPECT_EQ(status, 200);
  ws.write("go", "");
  EXPECT_EQ(running.wait().exit_code, 0);
}

TEST_F(UiTest, BindsLoopbackUnlessAHostIsGivenAndWarnsThen) {
  UiServer loopback(ws);
  EXPECT_TRUE(loopback.base.starts_with("http://127.0.0.1:")) << loopback.base;
  EXPECT_EQ(loopback.stop(SIGINT), 130);
  EXPECT_EQ(loopback.err().find("warning"), std::string::npos);
  UiServer any(ws, {"--host", "0.0.0.0"});
  EXPECT_TRUE(any.base.starts_with("http://0.0.0.0:")) << any.base;
  EXPECT_NE(any.err().find("reachable from the network"), std::string::npos) << any.err();
}

TEST_F(UiTest, ExportWritesAStaticSiteAndRefusesAForeignDirectory) {
  CommandResult exported = mlops({"ui", "--export", "site"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_TRUE(ws.exists("site/index.html"));
  EXPECT_TRUE(ws.exists("site/runs/" + xss + ".html"));
  EXPECT_TRUE(ws.exists("site/api/index.json"));
  EXPECT_TRUE(ws.exists("site/api/runs/" + xss + ".json"));
  std::string index = ws.read("site/index.html");
  EXPECT_NE(index.find("href=\"runs/" + xss + ".html\""), std::string::npos);
  EXPECT_EQ(index.find("<script"), std::string::npos);
  EXPECT_NE(ws.read("site/runs/" + xss + ".html").find("href=\"../index.html\""),
            std::string::npos);
  ASSERT_EQ(mlops({"ui", "--export", "site"}).exit_code, 0) << "a previous export is replaced";
  ws.write("mine/notes.txt", "keep me");
  CommandResult refused = mlops({"ui", "--export", "mine"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("no `mlops ui --export` wrote"), std::string::npos) << refused.err;
  EXPECT_EQ(ws.read("mine/notes.txt"), "keep me");
  CommandResult empty = mlops({"ui", "--export", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("--export needs a directory"), std::string::npos) << empty.err;
}

// Chromium, when installed (CI requires it: MLOPS_REQUIRE_SERVERS=1).
class UiBrowserTest : public UiTest {
 protected:
  void SetUp() override {
    if (std::system("chromium --version > /dev/null 2>&1") != 0) {
      if (const char* required = std::getenv("MLOPS_REQUIRE_SERVERS");
          required && *required == '1') {
        FAIL() << "chromium is missing: apt-get install chromium";
      }
      GTEST_SKIP() << "UI browser tests skipped: chromium is not installed";
    }
    UiTest::SetUp();
    const char* dir = std::getenv("MLOPS_UI_SCREENSHOTS");
    shots = dir && *dir ? fs::path(dir) : fs::path(MLOPS_BINARY).parent_path() / "ui-screenshots";
    fs::create_directories(shots);
  }
  std::vector<std::string> chromium(const std::string& profile) {
    return {"chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--user-data-dir=" + (ws / profile).string()};
  }
  fs::path shots;
};

TEST_F(UiBrowserTest, PagesRenderEscapedFilteredAndScreenshotted) {
  UiServer ui(ws);
  struct Shot {
    std::string name;
    std::string target;
  };
  std::vector<Shot> pages = {{"runs", "/"},
                             {"runs-filtered", "/?filter=tag:team%3Dchurn&sort=-metrics.auc"},
                             {"run", "/runs/" + xss},
                             {"compare", "/compare?runs=" + first + "," + second + "," + xss},
                             {"pipelines", "/pipelines"},
                             {"models", "/models"},
                             {"feature-groups", "/feature-groups"}};
  // All at once: a Chromium per page, each dumping the DOM and taking a screenshot.
  std::vector<pid_t> pids;
  for (const Shot& page : pages) {
    std::vector<std::string> argv = chromium("profile-" + page.name);
    argv.insert(argv.end(), {"--window-size=1280,900",
                             "--screenshot=" + (shots / (page.name + ".png")).string(),
                             "--dump-dom", ui.base + page.target});
    pids.push_back(spawn(argv, ws.path(), ws / (page.name + ".dom"), ws / (page.name + ".log")));
  }
  for (pid_t pid : pids) {
    EXPECT_EQ(wait_for(pid, std::chrono::seconds(30)), 0);
  }
  std::string all = read_text(ws / "runs.dom");
  for (const std::string& id : {first, second, xss}) {
    EXPECT_NE(all.find("data-run=\"" + id + "\""), std::string::npos) << id;
  }
  std::string filtered = read_text(ws / "runs-filtered.dom");
  EXPECT_NE(filtered.find("data-run=\"" + second + "\""), std::string::npos) << filtered;
  EXPECT_LT(filtered.find("data-run=\"" + second + "\""),
            filtered.find("data-run=\"" + first + "\""));
  EXPECT_EQ(filtered.find("data-run=\"" + xss + "\""), std::string::npos);
  std::string run = read_text(ws / "run.dom");
  EXPECT_NE(run.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << run;
  EXPECT_NE(run.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_EQ(run.find("<script>alert(1)"), std::string::npos);
  EXPECT_EQ(run.find("<img src=\"x\""), std::string::npos);
  std::regex script("<script");
  EXPECT_EQ(std::distance(std::sregex_iterator(run.begin(), run.end(), script), {}), 1)
      << "only the page's own script";
  EXPECT_NE(read_text(ws / "compare.dom").find("id=\"comparison\""), std::string::npos);
  for (const Shot& page : pages) {
    std::string png = read_text(shots / (page.name + ".png"));
    EXPECT_EQ(png.substr(1, 3), "PNG") << page.name;
  }
}

TEST_F(UiBrowserTest, ARunningRunsPageUpdatesLiveWithoutAReload) {
  ws.write("live.yaml", k_live_pipeline);
  MlopsProcess running({"run", "live.yaml"}, {ws.path(), {}, std::nullopt});
  ASSERT_TRUE(wait_for_executions(ws / ".mlops/store.db", 4)) << "the live run's stage started";
  std::string id = latest_run();
  UiServer ui(ws);
  std::vector<std::string> argv = chromium("profile-live");
  argv.insert(argv.end(), {"--virtual-time-budget=2000", "--timeout=20000", "--dump-dom",
                           ui.base + "/runs/" + id});
  pid_t browser = spawn(argv, ws.path(), ws / "live.dom", ws / "live.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (ui.err().find("live updates of run " + id) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(ui.err().find("live updates of run " + id), std::string::npos) << ui.err();
  ws.write("go", "");
  EXPECT_EQ(running.wait().exit_code, 0);
  EXPECT_EQ(wait_for(browser, std::chrono::seconds(25)), 0);
  std::string dom = read_text(ws / "live.dom");
  EXPECT_NE(dom.find("id=\"run-status\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-status=\"succeeded\" id=\"run-status\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-page-loads=\"1\""), std::string::npos) << "loaded once, not reloaded";
  EXPECT_NE(dom.find("data-live-updates="), std::string::npos) << "changed by the events";
  EXPECT_NE(dom.find("went"), std::string::npos) << "the log tail, updated";
}

}  // namespace
}  // namespace mlops::e2e

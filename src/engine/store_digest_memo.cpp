#include "engine/store_digest_memo.hpp"

namespace mlops {

std::optional<Digest> StoreDigestMemo::find(const std::string& path, const FileIdentity& identity) {
  if (auto it = m_session.find(path); it != m_session.end()) {
    if (it->second.first == identity) {
      return it->second.second;
    }
    m_session.erase(it);
  }
  auto row = m_store.find_file_stat(path);
  if (!row.ok() || !row->has_value()) {
    return std::nullopt;
  }
  const FileStat& stat = **row;
  FileIdentity stored{static_cast<uint64_t>(stat.device), static_cast<uint64_t>(stat.inode),
                      static_cast<uint64_t>(stat.size), stat.mtime_ns, stat.ctime_ns};
  if (!(stored == identity)) {
    return std::nullopt;
  }
  auto digest = Digest::from_hex(stat.digest);
  if (!digest.ok()) {
    return std::nullopt;
  }
  m_session[path] = {identity, *digest};  // a second look in this run asks no store
  return *digest;
}

void StoreDigestMemo::remember(const std::string& path, const FileIdentity& identity,
                               const Digest& digest, bool settled) {
  m_session[path] = {identity, digest};
  if (!settled) {
    return;
  }
  m_pending.push_back({path, static_cast<int64_t>(identity.device),
                       static_cast<int64_t>(identity.inode), static_cast<int64_t>(identity.size),
                       identity.mtime_ns, identity.ctime_ns, digest.hex()});
}

void StoreDigestMemo::flush() {
  (void)m_store.remember_file_stats(m_pending);
  m_pending.clear();
}

}  // namespace mlops

// The digest memo kept in the metadata store (table file_stats): a file whose device, inode,
// size, mtime and ctime are unchanged is not read again, in this run or the next. Settled
// entries are written in one transaction by flush(); unsettled ones (files modified in the last
// two seconds) serve this run only, such as the check that a stage's deps did not change while
// it ran.
#pragma once

#include <unordered_map>
#include <utility>
#include <vector>

#include "hash/digest.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

class StoreDigestMemo final : public DigestMemo {
 public:
  explicit StoreDigestMemo(MetadataStore& store) : m_store(store) {}

  std::optional<Digest> find(const std::string& path, const FileIdentity& identity) override;
  void remember(const std::string& path, const FileIdentity& identity, const Digest& digest,
                bool settled) override;
  // Writes what was remembered since the last flush. A failure only costs re-reading later.
  void flush();

 private:
  MetadataStore& m_store;
  std::vector<FileStat> m_pending;
  std::unordered_map<std::string, std::pair<FileIdentity, Digest>> m_session;
};

}  // namespace mlops

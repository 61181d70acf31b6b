// The digest memo kept in the metadata store (table file_stats): a file whose device, inode,
// size, mtime and ctime are unchanged is not read again, in this run or the next. New entries
// are written in one transaction by flush().
#pragma once

#include <vector>

#include "hash/digest.hpp"
#include "store/metadata_store.hpp"

namespace mlops {

class StoreDigestMemo final : public DigestMemo {
 public:
  explicit StoreDigestMemo(MetadataStore& store) : m_store(store) {}

  std::optional<Digest> find(const std::string& path, const FileIdentity& identity) override;
  void remember(const std::string& path, const FileIdentity& identity,
                const Digest& digest) override;
  // Writes what was remembered since the last flush. A failure only costs re-reading later.
  void flush();

 private:
  MetadataStore& m_store;
  std::vector<FileStat> m_pending;
};

}  // namespace mlops

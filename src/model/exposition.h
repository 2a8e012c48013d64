// One scrape's metrics as the renderers take them: blocks that outlive the
// scrape and are shared by every scrape that serves them (a query's result),
// then the families built for this scrape alone (self-metrics). A block's
// family names appear nowhere else in the exposition, so it renders as a unit
// and its rendered bytes are kept in its memo: a result served from cache is
// rendered and compressed once, not once per scrape.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "model/metric_family.h"

namespace rse {

// Bytes a renderer made from a block, with what gzip needs to join them.
struct RenderedPart {
  std::string bytes;
  uint32_t crc32 = 0;      // Of the uncompressed text (compressed parts only).
  uint64_t plain_size = 0;  // Length of the uncompressed text.
  bool failed = false;      // The renderer could not make it (zlib out of memory).
};

// Renderers' output for one block, one slot per (format, encoding). Each slot
// is made once, by the first scrape that needs it. Thread-safe.
class RenderMemo {
 public:
  static constexpr int kSlots = 4;
  const RenderedPart& Get(int slot, const std::function<RenderedPart()>& make);

 private:
  std::once_flag once_[kSlots];
  RenderedPart parts_[kSlots];
};

struct FamilyBlock {
  std::shared_ptr<const std::vector<MetricFamily>> families;
  std::shared_ptr<RenderMemo> memo;
  // Served by later scrapes too (a cached result): worth compressing harder.
  bool reused = false;
};

struct Exposition {
  std::vector<FamilyBlock> blocks;
  std::vector<MetricFamily> families;

  // Every family, blocks first (tests, the dry run). Copies.
  std::vector<MetricFamily> Flatten() const;
};

}  // namespace rse

// A /metrics response body as runs of bytes: each block of the scrape's
// exposition comes from its memo (rendered, and compressed, by the first
// scrape that served it), the scrape's own families are rendered now. With
// gzip the runs form one gzip member. Nothing is concatenated: the HTTP
// server writes the runs in order.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "exposition/content_type.h"
#include "model/exposition.h"

namespace rse {

// The compressed form of the scrape's own families (self-metrics) that came
// out exactly as in the scrape before: most of them, when queries are served
// from cache. A family seen twice in a row with the same text is compressed
// alone and kept until its text changes; one that changes on every scrape
// (durations, ages) is compressed with the others of its kind each time.
// Thread-safe; one per server.
class StableRunCache {
 public:
  // The compressed run of `text`, if it is stable; null if it is not (yet).
  std::shared_ptr<const RenderedPart> Lookup(const std::string& key, std::string_view text);

 private:
  struct Entry {
    std::string text;
    std::shared_ptr<const RenderedPart> part;  // Null until seen twice.
  };
  Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ GUARDED_BY(mu_);
};

class ResponseBody {
 public:
  // `stable` (optional) lets a gzip body reuse what earlier ones compressed.
  static StatusOr<ResponseBody> Render(Exposition exposition, ExpositionFormat format, bool gzip,
                                       StableRunCache* stable = nullptr);

  size_t size() const { return size_; }
  // False when gzip was asked for but zlib failed: the body is plain text.
  bool gzipped() const { return gzipped_; }
  const std::vector<std::string_view>& runs() const { return runs_; }
  // Writes bytes [offset, offset + length) through `write`, which returns false to stop.
  bool Write(size_t offset, size_t length,
             const std::function<bool(const char*, size_t)>& write) const;
  std::string Join() const;  // Tests.

 private:
  static StatusOr<ResponseBody> RenderGzip(const Exposition& exposition, ExpositionFormat format,
                                           StableRunCache* stable);
  void Add(std::string_view run);
  void Own(std::string run);

  std::vector<FamilyBlock> blocks_;  // Keeps the memos, which runs_ point into, alive.
  std::list<std::string> owned_;  // Runs rendered for this response (stable addresses).
  std::vector<std::shared_ptr<const RenderedPart>> kept_;  // Stable runs, kept alive.
  std::vector<std::string_view> runs_;
  size_t size_ = 0;
  bool gzipped_ = false;
};

}  // namespace rse

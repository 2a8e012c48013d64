#include "http/response_body.h"

#include "exposition/text_format.h"
#include "http/gzip.h"

namespace rse {
namespace {

// Memo slots: (format, encoding).
int Slot(ExpositionFormat format, bool gzip) {
  return (format == ExpositionFormat::kOpenMetrics ? 2 : 0) + (gzip ? 1 : 0);
}

// Families longer than this are not remembered (a query's result that shares
// its metric name with another query's lands among the scrape's own families).
constexpr size_t kMaxStableText = 64 << 10;

}  // namespace

std::shared_ptr<const RenderedPart> StableRunCache::Lookup(const std::string& key,
                                                           std::string_view text) {
  if (text.size() > kMaxStableText) return nullptr;
  MutexLock lock(&mu_);
  Entry& entry = entries_[key];
  if (entry.text != text) {
    entry.text = std::string(text);
    entry.part.reset();
    return nullptr;
  }
  if (!entry.part) {
    auto part = DeflateRun(text, RunUse::kServedMany);
    if (!part.ok()) return nullptr;
    entry.part = std::make_shared<const RenderedPart>(std::move(*part));
  }
  return entry.part;
}

void ResponseBody::Add(std::string_view run) {
  if (run.empty()) return;
  runs_.push_back(run);
  size_ += run.size();
}

void ResponseBody::Own(std::string run) { Add(owned_.emplace_back(std::move(run))); }

StatusOr<ResponseBody> ResponseBody::Render(Exposition exposition, ExpositionFormat format,
                                            bool gzip, StableRunCache* stable) {
  if (gzip) {
    auto compressed = RenderGzip(exposition, format, stable);
    if (compressed.ok()) return compressed;
    // zlib failed (out of memory): the same body, uncompressed.
  }
  const bool open_metrics = format == ExpositionFormat::kOpenMetrics;
  ResponseBody body;
  body.blocks_ = std::move(exposition.blocks);
  std::string rest = RenderRun(exposition.families, open_metrics);
  if (open_metrics) rest += kOpenMetricsEof;
  for (const FamilyBlock& block : body.blocks_) {
    body.Add(block.memo->Get(Slot(format, false), [&] {
      return RenderedPart{RenderRun(*block.families, open_metrics)};
    }).bytes);
  }
  body.Own(std::move(rest));
  return body;
}

StatusOr<ResponseBody> ResponseBody::RenderGzip(const Exposition& exposition,
                                                ExpositionFormat format, StableRunCache* stable) {
  const bool open_metrics = format == ExpositionFormat::kOpenMetrics;
  ResponseBody body;
  body.blocks_ = exposition.blocks;
  body.gzipped_ = true;
  body.Own(GzipHeader());
  uint32_t crc = 0;
  uint64_t plain = 0;
  auto append = [&](const RenderedPart& part) {
    if (part.plain_size == 0) return;  // An empty run compresses to nothing.
    body.Add(part.bytes);
    crc = CombineCrc32(crc, part.crc32, part.plain_size);
    plain += part.plain_size;
  };
  for (const FamilyBlock& block : body.blocks_) {
    const RenderedPart& part = block.memo->Get(Slot(format, true), [&] {
      auto run = DeflateRun(RenderRun(*block.families, open_metrics),
                            block.reused ? RunUse::kServedMany : RunUse::kServedOnce);
      if (run.ok()) return std::move(*run);
      RenderedPart failed;
      failed.failed = true;
      return failed;
    });
    if (part.failed) return Status::Internal("gzip: could not compress a block");
    append(part);
  }
  // The scrape's own families: the stable ones from the cache, then all the
  // others in one run compressed for this response (families may come in any
  // order; each stays whole).
  std::string pending;
  const std::string slot = std::to_string(Slot(format, true)) + ":";
  for (RenderedFamily& family : RenderEach(exposition.families, open_metrics)) {
    auto part = stable ? stable->Lookup(slot + family.name, family.text) : nullptr;
    if (!part) {
      pending += family.text;
      continue;
    }
    append(*part);
    body.kept_.push_back(std::move(part));
  }
  if (open_metrics) pending += kOpenMetricsEof;
  auto last = DeflateLastRun(pending);
  if (!last.ok()) return last.status();
  crc = CombineCrc32(crc, last->crc32, last->plain_size);
  plain += last->plain_size;
  body.Own(std::move(last->bytes));
  body.Own(GzipTrailer(crc, plain));
  return body;
}

bool ResponseBody::Write(size_t offset, size_t length,
                         const std::function<bool(const char*, size_t)>& write) const {
  // Small runs are gathered into one write (one send() instead of one per
  // run); large runs go out as they are.
  constexpr size_t kGather = 64 << 10;
  std::string gathered;
  auto flush = [&] {
    if (gathered.empty()) return true;
    const bool ok = write(gathered.data(), gathered.size());
    gathered.clear();
    return ok;
  };
  for (std::string_view run : runs_) {
    if (length == 0) break;
    if (offset >= run.size()) {
      offset -= run.size();
      continue;
    }
    const size_t n = std::min(length, run.size() - offset);
    if (n >= kGather) {
      if (!flush() || !write(run.data() + offset, n)) return false;
    } else {
      if (gathered.size() + n > kGather && !flush()) return false;
      gathered.append(run.data() + offset, n);
    }
    offset = 0;
    length -= n;
  }
  return flush();
}

std::string ResponseBody::Join() const {
  std::string out;
  out.reserve(size_);
  for (std::string_view run : runs_) out += run;
  return out;
}

}  // namespace rse

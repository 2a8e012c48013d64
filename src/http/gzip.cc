#include "http/gzip.h"

#include <zlib.h>

namespace rse {
namespace {

// One deflate pass over `text` ending with `flush`; windowBits selects the wrapper.
StatusOr<std::string> Deflate(std::string_view text, int window_bits, int flush, int level,
                              int mem_level = 8) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
    return Status::Internal("gzip: deflateInit2 failed");
  // deflateBound covers Z_FINISH; a sync flush adds at most an empty stored block.
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())) + 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, flush);
  const bool done = flush == Z_FINISH ? rc == Z_STREAM_END : rc == Z_OK && stream.avail_in == 0;
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (!done) return Status::Internal("gzip: deflate did not finish");
  return out;
}

StatusOr<RenderedPart> Run(std::string_view text, int flush, RunUse use) {
  // Negative window bits: raw deflate, no wrapper; the member's header and
  // trailer are ours. Served many times: zlib's default level and memory.
  // Served once: the fastest level, and a 8 KiB window with small tables
  // (about 64 KiB of zlib state instead of 256 KiB, allocated per response).
  auto bytes = use == RunUse::kServedMany
                   ? Deflate(text, -15, flush, Z_DEFAULT_COMPRESSION)
                   : Deflate(text, -13, flush, Z_BEST_SPEED, 6);
  if (!bytes.ok()) return bytes.status();
  RenderedPart part;
  part.bytes = std::move(*bytes);
  part.crc32 = static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(text.data()), text.size()));
  part.plain_size = text.size();
  return part;
}

}  // namespace

StatusOr<RenderedPart> DeflateRun(std::string_view text, RunUse use) {
  return Run(text, Z_SYNC_FLUSH, use);
}
StatusOr<RenderedPart> DeflateLastRun(std::string_view text) {
  return Run(text, Z_FINISH, RunUse::kServedOnce);
}

std::string GzipHeader() {
  // Magic, deflate, no flags, no mtime, no extra flags, OS unknown (255).
  return std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
}

std::string GzipTrailer(uint32_t crc32, uint64_t plain_size) {
  std::string out(8, '\0');
  const uint32_t size = static_cast<uint32_t>(plain_size);  // ISIZE is modulo 2^32.
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<char>((crc32 >> (8 * i)) & 0xff);
    out[4 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  }
  return out;
}

uint32_t CombineCrc32(uint32_t a, uint32_t b, uint64_t b_size) {
  return static_cast<uint32_t>(crc32_combine(a, b, static_cast<z_off_t>(b_size)));
}

}  // namespace rse

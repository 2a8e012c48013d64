// gzip (RFC 1952) compression of a response body, through zlib: the
// pieces to join separately compressed runs into one gzip member without
// compressing them again (each run a raw deflate stream flushed to a byte
// boundary; their CRCs combined; the last run ends the deflate stream).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/exposition.h"

namespace rse {

// How hard to compress a run: once for many responses (a cached result's
// block), or for one response only, where compressing costs more CPU than the
// bytes it saves on a scrape.
enum class RunUse { kServedOnce, kServedMany };

// A run that others may follow: raw deflate, sync-flushed, not final.
StatusOr<RenderedPart> DeflateRun(std::string_view text, RunUse use);
// The run that ends the stream (it may be empty); always served once.
StatusOr<RenderedPart> DeflateLastRun(std::string_view text);
// The 10-byte member header, and the 8-byte trailer for the joined runs'
// combined CRC and total uncompressed size.
std::string GzipHeader();
std::string GzipTrailer(uint32_t crc32, uint64_t plain_size);
// The CRC of A followed by B, from the CRCs of A and B and B's length.
uint32_t CombineCrc32(uint32_t a, uint32_t b, uint64_t b_size);

}  // namespace rse

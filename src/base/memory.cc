#include "base/memory.h"

#include <malloc.h>

namespace rse {

void TuneAllocatorForScrapes() {
  // Scrapes run on several threads; glibc would give each its own malloc
  // arena (up to 8 per core), and a big result freed in one arena is not
  // returned to the system. Two arenas keep memory flat at no measurable cost.
  mallopt(M_ARENA_MAX, 2);
  // Blocks of 1 MiB and more (a big result's lines, its rendering) are mapped
  // on their own and unmapped when freed. Left dynamic, glibc raises this
  // threshold to the size of the first big block freed, and later big blocks
  // stay in the heap after the scrape.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

void ReturnFreedMemory() { malloc_trim(0); }

}  // namespace rse

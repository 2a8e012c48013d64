// The process's one dealing with glibc's allocator: how scrapes' threads share
// it, and handing freed memory back to the system after a big result.
#pragma once

namespace rse {

// At start, before threads: two malloc arenas, and blocks of 1 MiB and more
// mapped on their own (see memory.cc for the measurements behind both).
void TuneAllocatorForScrapes();

// After a big result or response is freed: returns the heap's free pages to
// the system (glibc keeps them otherwise). Walks every arena: call it after
// big frees only.
void ReturnFreedMemory();

}  // namespace rse

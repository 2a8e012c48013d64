// Clang's thread-safety attributes (-Wthread-safety): what a mutex guards and
// what a function needs held, checked by the compiler under clang, empty
// under GCC. The clang build (scripts/fuzz.sh) fails on a warning.
#pragma once

#if defined(__clang__)
#define RSE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define RSE_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) RSE_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY RSE_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) RSE_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) RSE_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) RSE_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define REQUIRES(...) RSE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) RSE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) RSE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) RSE_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) RSE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) RSE_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS RSE_THREAD_ANNOTATION(no_thread_safety_analysis)

// What Swift cannot take from <hwloc.h> directly: the compile-time API version (a macro), flag
// constants (they import as structs), and two Linux calls that need _GNU_SOURCE, which must not
// be defined here (it breaks the Glibc module map), so they are declared or wrapped instead.
// Note: SwiftPM does not rebuild on an edit to this header alone; touch a Swift file of Topology.
#ifndef DCNBENCH_CHWLOC_SHIM_H
#define DCNBENCH_CHWLOC_SHIM_H

#include <hwloc.h>
#include <unistd.h>
#include <sys/syscall.h>

/// HWLOC_API_VERSION of the headers we were compiled against.
static inline unsigned dcn_hwloc_header_api_version(void) { return HWLOC_API_VERSION; }

static inline unsigned long dcn_hwloc_flag_restrict_to_cpubinding(void) {
    return HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_CPUBINDING;
}
static inline unsigned long dcn_hwloc_flag_is_this_system(void) { return HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM; }
static inline int dcn_hwloc_cpubind_thread(void) { return HWLOC_CPUBIND_THREAD; }
static inline int dcn_hwloc_cpubind_process(void) { return HWLOC_CPUBIND_PROCESS; }
static inline int dcn_hwloc_membind_bind(void) { return HWLOC_MEMBIND_BIND; }
static inline int dcn_hwloc_membind_byNodeset(void) { return HWLOC_MEMBIND_BYNODESET; }

/// The kernel's id of the calling thread (glibc's gettid() needs _GNU_SOURCE).
static inline long dcn_gettid(void) { return syscall(SYS_gettid); }

/// A spin-wait hint to the core (x86 PAUSE), so a spinning thread yields pipeline resources.
static inline void dcn_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Names the calling thread (at most 15 bytes; shown by `top -H` and /proc/self/task/TID/comm).
/// pthread_setname_np is declared only under _GNU_SOURCE.
extern int pthread_setname_np(unsigned long thread, const char *name);
extern unsigned long pthread_self(void);
static inline void dcn_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

/// The CPU the calling thread runs on now (declared in <sched.h> only under _GNU_SOURCE).
extern int sched_getcpu(void);

#endif

/* Executed instructions on QEMU's MPS2 boards run with -icount shift=0: virtual time advances 1 ns per instruction
 * and SysTick counts the 25 MHz core clock, so instructions = ticks x 40. The 24-bit counter wraps after
 * 671 M instructions: a measured call must stay below that (icount_since reports UINT64_MAX when it may not have).
 * Elsewhere (the host) both functions return 0. */
#ifndef RTINFER_NN_TESTS_ICOUNT_H
#define RTINFER_NN_TESTS_ICOUNT_H

#include <stdint.h>

#if defined(__arm__)
#define ICOUNT_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define ICOUNT_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define ICOUNT_SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define ICOUNT_MPS2_CLOCK_HZ 25000000u
static inline void icount_start(void)
{
  ICOUNT_SYST_RVR = 0xFFFFFFu;
  ICOUNT_SYST_CVR = 0u;
  ICOUNT_SYST_CSR = 5u; /* enable, core clock, no interrupt */
}
static inline uint32_t icount_now(void)
{
  (void)ICOUNT_SYST_CSR; /* reading clears COUNTFLAG, so the next read tells whether the counter wrapped */
  return ICOUNT_SYST_CVR;
}
static inline uint64_t icount_since(uint32_t start)
{
  const uint32_t now = ICOUNT_SYST_CVR;
  if (ICOUNT_SYST_CSR & (1u << 16)) return UINT64_MAX; /* wrapped at least once */
  return (uint64_t)((start - now) & 0xFFFFFFu) * (1000000000u / ICOUNT_MPS2_CLOCK_HZ);
}
#else
static inline void icount_start(void) {}
static inline uint32_t icount_now(void) { return 0; }
static inline uint64_t icount_since(uint32_t start) { return (void)start, 0; }
#endif

#endif

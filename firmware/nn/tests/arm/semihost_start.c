/* Reset for test_int8 under QEMU semihosting (scripts/test-int8-arm.sh): zero .bss (QEMU loaded .data with the
 * ELF), turn the FPU on (hard-float code needs it), open the semihosting stdio, and run every case; the last line printed is main's status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int main(int argc, char **argv);
extern void initialise_monitor_handles(void);
extern uint32_t __bss_start__, __bss_end__, __stack_top;

void semihost_reset(void);
/* newlib's exit() runs __libc_fini_array, which calls _fini (crti.o's, left out by -nostartfiles). */
void _fini(void);
void _fini(void) {}

__attribute__((used, section(".vectors"))) static const void *const vectors[2] = {&__stack_top, (void *)semihost_reset};

void semihost_reset(void)
{
  memset(&__bss_start__, 0, (size_t)((uint8_t *)&__bss_end__ - (uint8_t *)&__bss_start__));
  volatile uint32_t *const cpacr = (volatile uint32_t *)0xE000ED88u;
  *cpacr |= 0xFu << 20; /* CP10 and CP11: full access */
  __asm__ volatile("dsb\n isb");
  initialise_monitor_handles();
  static char name[] = "test_int8";
  static char *argv[] = {name, NULL};
  const int status = main(1, argv);
  /* QEMU's exit status for SYS_EXIT depends on the newlib/QEMU pair: the script reads this line instead. */
  printf("test_int8 exit %d\n", status); /* the same line for every program this runs */
  exit(status);
}

/* GPIO alternate-function setup (RM0090 §8.3.7 / RM0385 §6.3.7): MODER=10
 * selects the alternate function given by AFRL (pins 0-7) or AFRH (8-15). */
#include "stm32_board.h"
#include "stm32_regs.h"

void stm32_gpio_af(uintptr_t port_base, unsigned pin, unsigned af)
{
    uint32_t shift2 = pin * 2u;
    GPIO_OSPEEDR(port_base) |= 3u << shift2;                           /* very high speed */
    GPIO_PUPDR(port_base) = (GPIO_PUPDR(port_base) & ~(3u << shift2)) | (1u << shift2); /* pull-up: idle-high line */
    volatile uint32_t *afr = pin < 8u ? &GPIO_AFRL(port_base) : &GPIO_AFRH(port_base);
    uint32_t shift4 = (pin & 7u) * 4u;
    *afr = (*afr & ~(0xFu << shift4)) | ((uint32_t)af << shift4);
    GPIO_MODER(port_base) = (GPIO_MODER(port_base) & ~(3u << shift2)) | (2u << shift2);
}

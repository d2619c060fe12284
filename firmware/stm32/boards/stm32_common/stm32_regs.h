/*
 * The few STM32F4/F7 and Cortex-M registers the boards touch, written out by
 * hand (no vendor HAL, no CMSIS). Only board code includes this header.
 *
 * References:
 *   ARMv7-M ARM (DDI 0403E)   B3.2 SCB, B3.3 SysTick, B3.4 NVIC, C1.8 DWT
 *   RM0090 (STM32F405/F42x/F43x), RM0386 (STM32F469/F479), RM0385 (STM32F74x/F75x)
 * Peripheral addresses and offsets below are identical on F4 and F7 unless
 * a comment says otherwise (the F7 USART is a different IP: see stm32_usart_v2.c).
 */
#ifndef RTINFER_STM32_REGS_H
#define RTINFER_STM32_REGS_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- Cortex-M core (ARMv7-M ARM B3.2) ---------------------------------- */
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_VTOR REG32(0xE000ED08u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_PRIGROUP_MASK (7u << 8)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)
#define SCB_CCR REG32(0xE000ED14u)
#define SCB_CCR_IC (1u << 17)          /* Cortex-M7 L1 instruction cache enable (PM0253 §4.3.7) */
#define SCB_ICIALLU REG32(0xE000EF50u) /* Cortex-M7: invalidate the whole I-cache (PM0253 §4.8.4) */
#define SCB_SHPR3 REG32(0xE000ED20u)  /* SysTick priority: bits 31:24 */
#define SCB_CPACR REG32(0xE000ED88u)  /* B3.2.20: CP10/CP11 full access = 0xF << 20 */
#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

/* SysTick (B3.3) */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)
#define SYST_RVR_MAX 0x00FFFFFFu

/* NVIC (B3.4): set-enable and byte-wide priority registers */
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_IPR8(irq) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (irq)))

/* DWT cycle counter (C1.8) and its enable in DEMCR (C1.6.5) */
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CYCCNT REG32(0xE0001004u)
/* Cortex-M7 (and some M4 parts) gate DWT writes behind the CoreSight lock
 * access register; the key is architectural (CoreSight ARM IHI 0029, B2.3.10). */
#define DWT_LAR REG32(0xE0001FB0u)
#define CORESIGHT_UNLOCK 0xC5ACCE55u

/* ---- RCC (RM0090 §7.3, RM0386 §6.3, RM0385 §5.3) ------------------------ */
#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u)
#define RCC_PLLCFGR_M(m) ((uint32_t)(m) << 0)               /* 2..63: VCO in = src / M */
#define RCC_PLLCFGR_N(n) ((uint32_t)(n) << 6)               /* VCO = in * N */
#define RCC_PLLCFGR_P(p) ((uint32_t)(((p) / 2u) - 1u) << 16) /* SYSCLK = VCO / P, P in 2,4,6,8 */
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_PLLCFGR_Q(q) ((uint32_t)(q) << 24)               /* 48 MHz domain = VCO / Q */
#define RCC_PLLCFGR_R(r) ((uint32_t)(r) << 28)               /* F469/F7 only (DSI/SAI) */
#define RCC_CFGR REG32(RCC_BASE + 0x08u)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_PLL (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOBEN (1u << 1)
#define RCC_AHB1ENR_GPIODEN (1u << 3)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_APB1ENR_USART3EN (1u << 18)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR REG32(RCC_BASE + 0x44u)
#define RCC_APB2ENR_USART1EN (1u << 4)

/* ---- PWR: voltage scaling and over-drive (RM0090 §5.4, RM0386 §5.4,
 * RM0385 §4.4; PWR_CR1/CSR1 on the F7 have the same bits at the same place). */
#define PWR_BASE 0x40007000u
#define PWR_CR REG32(PWR_BASE + 0x00u)
#define PWR_CR_VOS_SCALE1 (3u << 14)
#define PWR_CR_ODEN (1u << 16)
#define PWR_CR_ODSWEN (1u << 17)
#define PWR_CSR REG32(PWR_BASE + 0x04u)
#define PWR_CSR_ODRDY (1u << 16)
#define PWR_CSR_ODSWRDY (1u << 17)

/* ---- FLASH interface (RM0090 §3.9, RM0386 §3.9, RM0385 §3.7) ------------ */
#define FLASH_BASE_R 0x40023C00u
#define FLASH_ACR REG32(FLASH_BASE_R + 0x00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_F4_ICEN (1u << 9)  /* F4: instruction cache */
#define FLASH_ACR_F4_DCEN (1u << 10) /* F4: data cache */
#define FLASH_ACR_F7_ARTEN (1u << 9) /* F7: ART accelerator */
#define FLASH_KEYR REG32(FLASH_BASE_R + 0x04u)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_SR REG32(FLASH_BASE_R + 0x0Cu)
#define FLASH_SR_EOP (1u << 0)
#define FLASH_SR_BSY (1u << 16)
/* OPERR, WRPERR, PGAERR, PGPERR, PGSERR (F4) / ERSERR (F7). (The F469's
 * RDERR, bit 8, is about PCROP reads, never set by what we do, and reserved
 * on the F7.) */
#define FLASH_SR_ERRORS ((1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7))
#define FLASH_CR REG32(FLASH_BASE_R + 0x10u)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_SNB(n) ((uint32_t)(n) << 3) /* F469: 5 bits, sectors 12..23 encode as 16..27 */
#define FLASH_CR_SNB_MASK (0x1Fu << 3)
#define FLASH_CR_PSIZE_X32 (2u << 8) /* 32-bit parallelism: VDD 2.7-3.6 V */
#define FLASH_CR_PSIZE_MASK (3u << 8)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)

/* ---- GPIO (RM0090 §8.4, RM0385 §6.4) ------------------------------------- */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIOD_BASE 0x40020C00u
#define GPIO_MODER(p) REG32((p) + 0x00u)
#define GPIO_OSPEEDR(p) REG32((p) + 0x08u)
#define GPIO_PUPDR(p) REG32((p) + 0x0Cu)
#define GPIO_AFRL(p) REG32((p) + 0x20u)
#define GPIO_AFRH(p) REG32((p) + 0x24u)

/* ---- USART base addresses (RM0090 §2.3 memory map, RM0385 §2.2.2) ------- */
#define USART1_BASE 0x40011000u
#define USART3_BASE 0x40004800u

/* IRQ numbers (RM0090 Table 61, RM0386 Table 62, RM0385 Table 46) */
#define IRQ_USART1 37u
#define IRQ_USART3 39u

#endif

/* The app's top level: init, poll loop, counters. */
#include "app.h"

#include "bootid.h"
#include "handlers.h"
#include "model_store.h"
#include "dispatch.h"
#include "engine.h"
#include "taskset.h"
#include "link.h"
#include "port.h"

static uint32_t s_boot_id;

uint16_t app_effective_max_frame(uint16_t requested)
{
    uint32_t cap = RTINFER_MAX_FRAME_CAP;
    uint32_t m = requested == 0 ? APP_MAX_FRAME_DEFAULT : requested;
    if (m > cap) {
        m = cap;
    }
    if (m < RTP_MAX_FRAME_DEFAULT) {
        m = RTP_MAX_FRAME_DEFAULT;
    }
    return (uint16_t)m;
}

void app_init(const app_config_t *cfg)
{
    link_init(app_effective_max_frame(cfg != NULL ? cfg->max_frame : 0u));
    dispatch_init();
    model_store_init();
    model_transfer_init();
    engine_init(cfg != NULL ? cfg->nn_ram : 0u);
    taskset_init();
    s_boot_id = bootid_next(); /* before the boot HELLO, which reports it */
    /* SPEC §2.2: a leading 0x00 terminates whatever the host holds. */
    static const uint8_t zero = 0;
    port_uart_write(&zero, 1);
    hello_send_boot();
}

unsigned app_poll(void)
{
    rtp_frame_t frame;
    uint64_t t_done;
    unsigned n = 0;
    while (link_next_frame(&frame, &t_done)) {
        dispatch_frame(&frame, t_done);
        n++;
    }
    return n;
}

void app_run(const app_config_t *cfg)
{
    app_init(cfg);
    do {
        (void)app_poll();
        taskset_poll();
    } while (port_idle(taskset_idle_timeout_us()));
}

unsigned app_counters(uint64_t out[APP_COUNTERS_N])
{
    size_t n = link_counters(out, APP_COUNTERS_N - 2u);
    while (n < APP_COUNTERS_N - 2u) {
        out[n++] = 0; /* a codec exporting fewer: keep the SPEC order */
    }
    out[n++] = dispatch_malformed();
    out[n++] = dispatch_unsupported();
    return (unsigned)n;
}

uint32_t app_boot_id(void)
{
    return s_boot_id;
}

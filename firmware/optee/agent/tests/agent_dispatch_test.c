/*
 * The agent's EDF dispatcher (agent_dispatch.c) on a deterministic fake clock and a fake TEE: an entry takes one
 * world switch plus its units' WCETs, normal-world work advances the clock by what it does. The cases check the
 * rules of host/src/sched/README.md ("The dispatcher being analysed"):
 *   edf_order          the head is always the ready job with the earliest deadline; an entry is never preempted,
 *                      a release during it is handled at its exit (and traced with its nominal, earlier time)
 *   lw_one_unit        LW: one unit per entry; entries = jobs x units
 *   fusion_first_fit   the greedy: ready jobs in EDF order, each adds the longest prefix that fits the capacity
 *                      left, moving on at the first unit that does not fit; each job keeps its layer order
 *   fusion_budget      ours: the head's units only, while memory fits and the WCET stays within Q - S
 *   normal_world       a normal-world job runs beside enclave jobs and is preempted only between entries
 *   two_models         tasks of two models, each with its own unit list: LW runs each job through its own list;
 *                      the greedy fuses jobs of both models into one entry, each member inside its model's list
 */
#include <stdio.h>
#include <string.h>

#include "agent_dispatch.h"
#include "test_util.h"

#define US 1000ull /* ticks are ns */
#define MAX_ENTRIES 512
#define MAX_EVENTS 4096

typedef struct {
    uint64_t start, end;
    ad_group group;
    uint16_t head_task; /* plan index of the head (the first member) */
    uint64_t head_deadline;
    uint64_t earliest_ready_deadline; /* over every job in flight when the entry was formed */
} entry_t;

typedef struct {
    uint8_t kind, task;
    uint32_t job;
    uint64_t ticks, arg;
} event_t;

static struct {
    uint64_t now;
    uint64_t world_switch;
    entry_t entries[MAX_ENTRIES];
    int entry_count;
    event_t events[MAX_EVENTS];
    int event_count;
    uint64_t busy_calls;
} s_fake;

static uint64_t fake_now(void *c)
{
    (void)c;
    return s_fake.now;
}

static void fake_sleep(void *c, uint64_t t)
{
    (void)c;
    if (t > s_fake.now) {
        s_fake.now = t;
    }
}

/* The fake TEE times each unit inside the entry as a TA would: half the world switch in, then the units back to
 * back at their WCETs. */
static int fake_enter(void *c, const ad_run *run, const ad_group *group, ad_entry_times *times)
{
    (void)c;
    CHECK(s_fake.entry_count < MAX_ENTRIES);
    entry_t *e = &s_fake.entries[s_fake.entry_count++];
    e->start = s_fake.now;
    e->group = *group;
    const ad_job *head = &run->jobs[group->members[0].job];
    e->head_task = head->task;
    e->head_deadline = head->deadline;
    e->earliest_ready_deadline = UINT64_MAX;
    for (uint32_t j = 0; j < AD_MAX_JOBS; j++) {
        if (run->jobs[j].in_use && run->plan->tasks[run->jobs[j].task].enclave &&
            run->jobs[j].deadline < e->earliest_ready_deadline) {
            e->earliest_ready_deadline = run->jobs[j].deadline;
        }
    }
    uint64_t cost = s_fake.world_switch;
    uint64_t t = s_fake.now + s_fake.world_switch / 2u;
    times->count = 0;
    for (uint16_t m = 0; m < group->count; m++) {
        const ad_member *member = &group->members[m];
        CHECK(member->from == run->jobs[member->job].next); /* each job resumes at its next unit */
        for (uint16_t u = member->from; u < member->from + member->count; u++) {
            cost += run->plan->units[u].wcet_us * US;
            times->start[times->count] = t;
            t += run->plan->units[u].wcet_us * US;
            times->end[times->count++] = t;
        }
    }
    s_fake.now += cost;
    e->end = s_fake.now;
    return 0;
}

static uint64_t fake_busy(void *c, uint64_t work, uint64_t until)
{
    (void)c;
    s_fake.busy_calls++;
    uint64_t step = until > s_fake.now && until - s_fake.now < work ? until - s_fake.now : work;
    s_fake.now += step;
    return step;
}

static void fake_trace(void *c, uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, uint64_t arg)
{
    (void)c;
    if (s_fake.event_count < MAX_EVENTS) {
        s_fake.events[s_fake.event_count++] = (event_t){kind, task, job, ticks, arg};
    }
}

static int fake_stop(void *c)
{
    (void)c;
    return 0;
}

static const ad_ops k_ops = {NULL, fake_now, fake_sleep, fake_enter, fake_busy, fake_trace, fake_stop};

static void setup(void)
{
    memset(&s_fake, 0, sizeof s_fake);
}

static ad_plan s_plan;

static void plan_units(const uint32_t *memory, const uint32_t *wcet_us, uint16_t count)
{
    s_plan.unit_count = count;
    for (uint16_t u = 0; u < count; u++) {
        s_plan.units[u] = (rtp_unit_t){.layer = u, .slice = 0, .slices = 1, .memory = memory[u], .wcet_us = wcet_us[u]};
    }
}

static void add_task(uint8_t id, int enclave, uint64_t period_us, uint64_t deadline_us, uint64_t offset_us, uint64_t work_us)
{
    s_plan.tasks[s_plan.task_count++] = (ad_task){.id = id, .enclave = (uint8_t)enclave, .period = period_us * US,
                                                  .deadline = deadline_us * US, .offset = offset_us * US,
                                                  .work = work_us * US};
}

static void new_plan(ad_rule rule, uint64_t capacity)
{
    memset(&s_plan, 0, sizeof s_plan);
    s_plan.rule = rule;
    s_plan.capacity = capacity;
    s_plan.run_budget_us = UINT64_MAX;
    s_plan.ta_slots = AD_MAX_TASKS;
    s_plan.trace_bits = RTP_TRACE_JOBS | RTP_TRACE_LAYERS;
}

static ad_run s_run;

/* Runs to the end; returns the steps taken. */
static int run_all(uint64_t duration_us)
{
    ad_run_start(&s_run, &s_plan, &k_ops, 0, duration_us * US, 1);
    int steps = 0, r;
    while ((r = ad_step(&s_run)) > 0 && steps < 100000) {
        steps++;
    }
    CHECK(r == 0);
    CHECK(ad_jobs_in_flight(&s_run) == 0);
    return steps;
}

/* Every job ran each unit once, in order, and the units of each entry fit the capacity. */
static void check_entries_valid(void)
{
    for (int i = 0; i < s_fake.entry_count; i++) {
        uint64_t memory = 0;
        const ad_group *g = &s_fake.entries[i].group;
        CHECK(g->count >= 1);
        for (uint16_t m = 0; m < g->count; m++) {
            CHECK(g->members[m].count >= 1);
            for (uint16_t n = 0; n < m; n++) {
                CHECK(g->members[n].job != g->members[m].job); /* a job appears once per entry */
            }
            for (uint16_t u = g->members[m].from; u < g->members[m].from + g->members[m].count; u++) {
                memory += s_plan.units[u].memory;
            }
        }
        if (s_plan.rule != AD_RULE_SINGLE) {
            CHECK(memory <= s_plan.capacity || (g->count == 1 && g->members[0].count == 1));
        }
    }
}

static int count_events(uint8_t kind)
{
    int n = 0;
    for (int i = 0; i < s_fake.event_count; i++) {
        n += s_fake.events[i].kind == kind;
    }
    return n;
}

static void edf_order(void)
{
    /* A: long units, released at 0 with a late deadline; B: released at 150 µs with an early one. */
    static const uint32_t mem[3] = {1, 1, 1}, wcet[3] = {100, 100, 100};
    new_plan(AD_RULE_SINGLE, 10);
    plan_units(mem, wcet, 3);
    add_task(0, 1, 10000, 10000, 0, 0);
    add_task(1, 1, 10000, 1000, 150, 0);
    s_fake.world_switch = 10 * US;
    run_all(10000);
    /* A0 [0,110), A1 [110,220): B released at 150 during it, so the next three entries are B's, then A2. */
    CHECK_EQ_U(s_fake.entry_count, 6);
    const uint16_t heads[6] = {0, 0, 1, 1, 1, 0};
    for (int i = 0; i < 6 && i < s_fake.entry_count; i++) {
        CHECK_EQ_U(s_fake.entries[i].head_task, heads[i]);
        /* EDF: the head has the earliest deadline of every enclave job in flight */
        CHECK_EQ_U(s_fake.entries[i].head_deadline, s_fake.entries[i].earliest_ready_deadline);
    }
    CHECK(s_fake.entries[2].start >= 220 * US); /* the entry running at B's release was not preempted */
    /* B's job_release follows the entry it fell due in, with its nominal time (earlier than that world_exit) */
    int exit_before = -1, release_b = -1;
    for (int i = 0; i < s_fake.event_count; i++) {
        if (s_fake.events[i].kind == RTP_EV_JOB_RELEASE && s_fake.events[i].task == 1) release_b = i;
        if (s_fake.events[i].kind == RTP_EV_WORLD_EXIT && s_fake.events[i].arg == 2) exit_before = i;
    }
    CHECK(exit_before >= 0 && release_b > exit_before);
    CHECK_EQ_U(s_fake.events[release_b].ticks, 150 * US);
    CHECK(s_fake.events[release_b].ticks < s_fake.events[exit_before].ticks);
    CHECK_EQ_U(s_run.missed, 0);
    check_entries_valid();
}

static void lw_one_unit(void)
{
    static const uint32_t mem[4] = {5, 5, 5, 5}, wcet[4] = {10, 20, 30, 40};
    new_plan(AD_RULE_SINGLE, 100);
    plan_units(mem, wcet, 4);
    add_task(0, 1, 1000, 1000, 0, 0);
    add_task(1, 1, 2000, 2000, 0, 0);
    s_fake.world_switch = 5 * US;
    run_all(4000); /* A: 4 jobs, B: 2 jobs */
    CHECK_EQ_U(s_run.released, 6);
    CHECK_EQ_U(s_run.completed, 6);
    CHECK_EQ_U(s_fake.entry_count, 6 * 4);
    CHECK_EQ_U(s_run.entries, 6 * 4);
    for (int i = 0; i < s_fake.entry_count; i++) {
        CHECK_EQ_U(s_fake.entries[i].group.count, 1);
        CHECK_EQ_U(s_fake.entries[i].group.members[0].count, 1);
    }
    CHECK_EQ_U(count_events(RTP_EV_WORLD_ENTER), 24);
    CHECK_EQ_U(count_events(RTP_EV_WORLD_EXIT), 24);
    CHECK_EQ_U(count_events(RTP_EV_LAYER_START), 24);
    CHECK_EQ_U(count_events(RTP_EV_JOB_END), 6);
    /* world_enter and world_exit carry the entry count, 1, 2, … */
    int n = 0;
    for (int i = 0; i < s_fake.event_count; i++) {
        if (s_fake.events[i].kind == RTP_EV_WORLD_ENTER) CHECK_EQ_U(s_fake.events[i].arg, ++n);
    }
    /* ticks never decrease, job_release aside */
    uint64_t last = 0;
    for (int i = 0; i < s_fake.event_count; i++) {
        if (s_fake.events[i].kind == RTP_EV_JOB_RELEASE) continue;
        CHECK(s_fake.events[i].ticks >= last);
        last = s_fake.events[i].ticks;
    }
    check_entries_valid();
}

static void fusion_first_fit(void)
{
    /* Two jobs released together, A (deadline 500) before B (deadline 900); units of 3 B, capacity 8. */
    static const uint32_t mem[3] = {3, 3, 3}, wcet[3] = {10, 10, 10};
    new_plan(AD_RULE_GREEDY, 8);
    plan_units(mem, wcet, 3);
    add_task(0, 1, 1000, 500, 0, 0);
    add_task(1, 1, 1000, 900, 0, 0);
    s_fake.world_switch = 5 * US;
    run_all(1);
    /* Entry 1: A takes units 0,1 (6 B), its unit 2 does not fit the 2 B left, so the visit moves on: B's unit 0
     * (3 B) does not fit either. Entry 2: A's unit 2 (3), then B's 0 (3); B's 1 does not fit the 2 left.
     * Entry 3: B's units 1, 2. */
    CHECK_EQ_U(s_fake.entry_count, 3);
    if (s_fake.entry_count == 3) {
        const ad_group *g = &s_fake.entries[0].group;
        CHECK_EQ_U(g->count, 1);
        CHECK_EQ_U(g->members[0].from, 0);
        CHECK_EQ_U(g->members[0].count, 2);
        g = &s_fake.entries[1].group;
        CHECK_EQ_U(g->count, 2);
        CHECK_EQ_U(s_run.jobs[g->members[0].job].task, 0);
        CHECK_EQ_U(g->members[0].from, 2);
        CHECK_EQ_U(g->members[0].count, 1);
        CHECK_EQ_U(g->members[1].from, 0);
        CHECK_EQ_U(g->members[1].count, 1);
        g = &s_fake.entries[2].group;
        CHECK_EQ_U(g->count, 1);
        CHECK_EQ_U(g->members[0].from, 1);
        CHECK_EQ_U(g->members[0].count, 2);
    }
    /* Units of 1 B in 8: both jobs' three units, A's first, fit one entry: one entry, fused. */
    setup();
    static const uint32_t small[3] = {1, 1, 1};
    s_plan.capacity = 8;
    plan_units(small, wcet, 3);
    s_fake.world_switch = 5 * US;
    run_all(1);
    CHECK_EQ_U(s_fake.entry_count, 1);
    CHECK_EQ_U(s_fake.entries[0].group.count, 2);
    CHECK_EQ_U(s_run.completed, 2);
    /* one world_enter for the fused entry, on the head; both jobs end at its exit */
    CHECK_EQ_U(count_events(RTP_EV_WORLD_ENTER), 1);
    CHECK_EQ_U(count_events(RTP_EV_JOB_END), 2);
    /* Its six layers carry the times the TEE gave for them inside the entry, A's three then B's, back to back, not
     * the entry's enter and exit. */
    const uint64_t entered = s_fake.entries[0].start;
    int layer = 0;
    for (int i = 0; i < s_fake.event_count; i++) {
        const event_t *e = &s_fake.events[i];
        if (e->kind == RTP_EV_LAYER_START) CHECK_EQ_U(e->ticks, entered + 2500u + (uint64_t)layer * 10u * US);
        if (e->kind == RTP_EV_LAYER_END) CHECK_EQ_U(e->ticks, entered + 2500u + (uint64_t)++layer * 10u * US);
    }
    CHECK_EQ_U(layer, 6);
    check_entries_valid();
}

static void fusion_budget(void)
{
    /* Ours: the head's units while the WCET stays within Q - S = 25 µs: units of 10 → runs of 2. */
    static const uint32_t mem[5] = {1, 1, 1, 1, 1}, wcet[5] = {10, 10, 10, 10, 10};
    new_plan(AD_RULE_BUDGET, 100);
    s_plan.run_budget_us = 25;
    plan_units(mem, wcet, 5);
    add_task(0, 1, 1000, 500, 0, 0);
    add_task(1, 1, 1000, 900, 0, 0);
    s_fake.world_switch = 5 * US;
    run_all(1);
    /* per job: [0,1], [2,3], [4]; never a follower */
    CHECK_EQ_U(s_fake.entry_count, 6);
    for (int i = 0; i < s_fake.entry_count; i++) {
        CHECK_EQ_U(s_fake.entries[i].group.count, 1);
        CHECK_EQ_U(s_fake.entries[i].group.members[0].count, i % 3 == 2 ? 1 : 2);
        CHECK_EQ_U(s_fake.entries[i].head_task, i < 3 ? 0 : 1);
    }
    check_entries_valid();
}

static void normal_world(void)
{
    /* An enclave task with 200 µs units, and a normal-world task released at 50 µs with an earlier deadline:
     * it waits for the entry in progress, then runs; an enclave job with an earlier deadline released while it
     * runs preempts it at that release. */
    static const uint32_t mem[2] = {1, 1}, wcet[2] = {200, 200};
    new_plan(AD_RULE_SINGLE, 10);
    plan_units(mem, wcet, 2);
    add_task(0, 1, 100000, 100000, 0, 0);   /* E: deadline 100 ms */
    add_task(1, 0, 100000, 1000, 50, 300);  /* N: 300 µs of work, deadline 1050 µs */
    add_task(2, 1, 100000, 700, 300, 0);    /* F: released at 300, deadline 1000 < N's 1050 */
    s_fake.world_switch = 0;
    run_all(100000);
    /* find N's job_start: after E's first entry ended (200 µs), never inside an entry */
    uint64_t n_start = 0, n_end = 0;
    for (int i = 0; i < s_fake.event_count; i++) {
        if (s_fake.events[i].task == 1 && s_fake.events[i].kind == RTP_EV_JOB_START) n_start = s_fake.events[i].ticks;
        if (s_fake.events[i].task == 1 && s_fake.events[i].kind == RTP_EV_JOB_END) n_end = s_fake.events[i].ticks;
    }
    CHECK_EQ_U(n_start, 200 * US);
    for (int i = 0; i < s_fake.entry_count; i++) {
        /* no entry overlaps N's work except where N was preempted: F's entries start at its release (300) */
        const entry_t *e = &s_fake.entries[i];
        if (e->head_task == 2) CHECK(e->start >= 300 * US);
    }
    /* N: 100 µs of work in [200, 300), preempted by F at 300 (F's two entries, 400 µs), then its 200 µs left */
    CHECK_EQ_U(n_end, (300 + 400 + 200) * US);
    CHECK(s_fake.busy_calls >= 2);
    CHECK_EQ_U(s_run.completed, 3);
}

/* Every member of every entry lies inside its task's list, and the entry's head is a job of the task traced. */
static void check_members_in_lists(void)
{
    for (int i = 0; i < s_fake.entry_count; i++) {
        const ad_group *g = &s_fake.entries[i].group;
        for (uint16_t m = 0; m < g->count; m++) {
            const ad_task *task = &s_plan.tasks[s_run.jobs[g->members[m].job].task];
            CHECK(g->members[m].from >= task->units_from);
            CHECK(g->members[m].from + g->members[m].count <= task->units_from + task->units_count);
        }
    }
}

/* Model A (place 0): 3 units at plan.units[0..3); model B (place 1): 2 units at [3..5), its layers 0 and 1 again. */
static void two_model_plan(ad_rule rule)
{
    static const uint32_t mem[5] = {5, 5, 5, 7, 7}, wcet[5] = {10, 20, 30, 15, 25};
    new_plan(rule, 100);
    plan_units(mem, wcet, 5);
    s_plan.units[3].layer = 0;
    s_plan.units[4].layer = 1;
    add_task(0, 1, 1000, 1000, 0, 0);
    add_task(1, 1, 1000, 1000, 0, 0);
    s_plan.tasks[0].units_from = 0;
    s_plan.tasks[0].units_count = 3;
    s_plan.tasks[0].model = 0;
    s_plan.tasks[1].units_from = 3;
    s_plan.tasks[1].units_count = 2;
    s_plan.tasks[1].model = 1;
    s_fake.world_switch = 5 * US;
}

static void two_models(void)
{
    two_model_plan(AD_RULE_SINGLE);
    run_all(3000); /* 3 jobs of each */
    CHECK_EQ_U(s_run.completed, 6);
    CHECK_EQ_U(s_fake.entry_count, 3 * 3 + 3 * 2); /* LW: each job its own model's units, one per entry */
    check_members_in_lists();
    /* Task 1's layer events name its own layers, 0 and 1, never model A's layer 2. */
    int b_layers = 0;
    for (int i = 0; i < s_fake.event_count; i++) {
        if (s_fake.events[i].kind == RTP_EV_LAYER_START && s_fake.events[i].task == 1) {
            CHECK(s_fake.events[i].arg <= 1);
            b_layers++;
        }
    }
    CHECK_EQ_U(b_layers, 3 * 2);

    setup();
    two_model_plan(AD_RULE_GREEDY);
    run_all(3000);
    CHECK_EQ_U(s_run.completed, 6);
    /* Both jobs of a release fit the capacity together: one entry holds A's 3 units and B's 2. */
    CHECK_EQ_U(s_fake.entry_count, 3);
    for (int i = 0; i < s_fake.entry_count; i++) {
        const ad_group *g = &s_fake.entries[i].group;
        CHECK_EQ_U(g->count, 2);
        CHECK_EQ_U(g->members[0].count + g->members[1].count, 5);
    }
    check_members_in_lists();
    check_entries_valid();
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {
        {"edf_order", edf_order},
        {"lw_one_unit", lw_one_unit},
        {"fusion_first_fit", fusion_first_fit},
        {"fusion_budget", fusion_budget},
        {"normal_world", normal_world},
        {"two_models", two_models},
    };
    return tu_main(argc, argv, cases, sizeof cases / sizeof cases[0], setup, NULL);
}

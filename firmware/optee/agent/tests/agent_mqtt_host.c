/* The host's MQTT side for the agent tests: see agent_mqtt_host.h. */
#define _GNU_SOURCE
#include "agent_mqtt_host.h"

#include <mosquitto.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QUEUE 256u

static struct {
    struct mosquitto *client;
    char down[64], up[64], status[64];
    pthread_mutex_t lock;
    uint32_t head, count;
    int connected;
    uint8_t status_bytes[4096];
    size_t status_len;
} s_host = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct {
    size_t len;
    uint8_t bytes[4096];
} s_queue[QUEUE];

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return ntohs(addr.sin_port);
}

int mqtt_broker_start(const char *dir, const char *extra, int *port, pid_t *pid)
{
    char conf[512];
    *port = free_port();
    snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
    FILE *f = fopen(conf, "w");
    if (f == NULL || *port < 0) {
        return -1;
    }
    /* user root: run as root, Mosquitto would switch to its own user, who cannot read the test's 0700 directory
     * (ignored when not root). */
    fprintf(f, "user root\nlistener %d 127.0.0.1\n%s\nset_tcp_nodelay true\npersistence false\n", *port,
            extra != NULL ? extra : "allow_anonymous true");
    fclose(f);
    *pid = fork();
    if (*pid == 0) {
        char log[512];
        snprintf(log, sizeof log, "%s/mosquitto.log", dir);
        FILE *out = freopen(log, "w", stdout);
        (void)out;
        dup2(STDOUT_FILENO, STDERR_FILENO);
        execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf, (char *)NULL);
        _exit(127);
    }
    return *pid > 0 ? 0 : -1;
}

void mqtt_broker_stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

static void on_message(struct mosquitto *client, void *context, const struct mosquitto_message *m)
{
    (void)client, (void)context;
    if (m->payloadlen <= 0 || (size_t)m->payloadlen > sizeof s_queue[0].bytes) return;
    pthread_mutex_lock(&s_host.lock);
    if (strcmp(m->topic, s_host.status) == 0) {
        memcpy(s_host.status_bytes, m->payload, (size_t)m->payloadlen);
        s_host.status_len = (size_t)m->payloadlen;
    } else if (s_host.count < QUEUE) {
        uint32_t slot = (s_host.head + s_host.count) % QUEUE;
        memcpy(s_queue[slot].bytes, m->payload, (size_t)m->payloadlen);
        s_queue[slot].len = (size_t)m->payloadlen;
        s_host.count++;
    }
    pthread_mutex_unlock(&s_host.lock);
}

static void on_connect(struct mosquitto *client, void *context, int rc)
{
    (void)context;
    if (rc == 0) {
        mosquitto_subscribe(client, NULL, s_host.up, 1);
        mosquitto_subscribe(client, NULL, s_host.status, 1);
        pthread_mutex_lock(&s_host.lock);
        s_host.connected = 1;
        pthread_mutex_unlock(&s_host.lock);
    }
}

static int apply_auth(struct mosquitto *client, const mqtt_auth *auth)
{
    if (auth == NULL) return 0;
    if (auth->user != NULL && mosquitto_username_pw_set(client, auth->user, auth->password) != MOSQ_ERR_SUCCESS) return -1;
    if (auth->cafile != NULL && mosquitto_tls_set(client, auth->cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) return -1;
    return 0;
}

/* What one client of mqtt_client_open() sees; its callbacks' context. */
typedef struct {
    int connack; /* CONNACK code + 1; 0 until one came */
    int *received;
} client_state;
static client_state s_clients[8];
static unsigned s_client_count;

/* received[0]: messages on the subscribed device's topics; received[1]: on the client's own down topic. */
static void count_message(struct mosquitto *client, void *context, const struct mosquitto_message *m)
{
    (void)client;
    int *received = ((client_state *)context)->received;
    __atomic_add_fetch(&received[strstr(m->topic, "/down") != NULL && strstr(m->topic, "pi-sim-1") == NULL ? 1 : 0], 1,
                       __ATOMIC_SEQ_CST);
}

static void count_puback(struct mosquitto *client, void *context, int mid)
{
    (void)client, (void)mid;
    __atomic_add_fetch(&((client_state *)context)->received[2], 1, __ATOMIC_SEQ_CST);
}

static void note_connack(struct mosquitto *client, void *context, int rc)
{
    (void)client;
    __atomic_store_n(&((client_state *)context)->connack, rc + 1, __ATOMIC_SEQ_CST);
}

int mqtt_client_open(struct mosquitto **client, int port, const char *id, const mqtt_auth *auth, const char *subscribe,
                     int received[3])
{
    if (s_client_count == sizeof s_clients / sizeof s_clients[0]) return -1;
    client_state *state = &s_clients[s_client_count++];
    state->connack = 0;
    state->received = received;
    mosquitto_lib_init();
    *client = mosquitto_new(id, true, state);
    if (*client == NULL || apply_auth(*client, auth) != 0) return -1;
    mosquitto_connect_callback_set(*client, note_connack);
    mosquitto_message_callback_set(*client, count_message);
    mosquitto_publish_callback_set(*client, count_puback);
    int rc = mosquitto_connect(*client, "127.0.0.1", port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "%s: connect: %s\n", id, mosquitto_strerror(rc));
        return -1;
    }
    for (int i = 0; i < 500; i++) {
        rc = mosquitto_loop(*client, 10, 1);
        int code = __atomic_load_n(&state->connack, __ATOMIC_SEQ_CST);
        if (code != 0) {
            if (code == 1 && subscribe != NULL) {
                mosquitto_subscribe(*client, NULL, subscribe, 1);
                char own[96];
                snprintf(own, sizeof own, "rtinfer/v1/dev/%s/down", id);
                mosquitto_subscribe(*client, NULL, own, 1);
                mosquitto_loop_start(*client);
            }
            return code - 1;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "%s: %s\n", id, mosquitto_strerror(rc));
            return -1;
        }
    }
    fprintf(stderr, "%s: no CONNACK\n", id);
    return -1;
}

void mqtt_client_close(struct mosquitto *client)
{
    if (client == NULL) return;
    mosquitto_disconnect(client);
    mosquitto_loop_stop(client, true);
    mosquitto_destroy(client);
}

int mqtt_host_connect(int port, const char *device_id, const mqtt_auth *auth)
{
    snprintf(s_host.down, sizeof s_host.down, "rtinfer/v1/dev/%s/down", device_id);
    snprintf(s_host.up, sizeof s_host.up, "rtinfer/v1/dev/%s/up", device_id);
    snprintf(s_host.status, sizeof s_host.status, "rtinfer/v1/dev/%s/status", device_id);
    mosquitto_lib_init();
    s_host.client = mosquitto_new("agent-test-host", true, NULL);
    if (s_host.client == NULL) return -1;
    mosquitto_int_option(s_host.client, MOSQ_OPT_TCP_NODELAY, 1);
    if (apply_auth(s_host.client, auth) != 0) return -1;
    mosquitto_connect_callback_set(s_host.client, on_connect);
    mosquitto_message_callback_set(s_host.client, on_message);
    /* The broker was just started: retry its port for a bounded number of attempts. */
    int rc = MOSQ_ERR_UNKNOWN;
    for (int attempt = 0; attempt < 100 && rc != MOSQ_ERR_SUCCESS; attempt++) {
        rc = mosquitto_connect(s_host.client, "127.0.0.1", port, 30);
        if (rc != MOSQ_ERR_SUCCESS) sleep_ms(50);
    }
    if (rc != MOSQ_ERR_SUCCESS || mosquitto_loop_start(s_host.client) != MOSQ_ERR_SUCCESS) return -1;
    for (int wait = 0; wait < 200; wait++) {
        pthread_mutex_lock(&s_host.lock);
        int connected = s_host.connected;
        pthread_mutex_unlock(&s_host.lock);
        if (connected) {
            sleep_ms(50); /* the SUBACKs */
            return 0;
        }
        sleep_ms(20);
    }
    return -1;
}

void mqtt_host_disconnect(void)
{
    if (s_host.client == NULL) return;
    mosquitto_disconnect(s_host.client);
    mosquitto_loop_stop(s_host.client, false);
    mosquitto_destroy(s_host.client);
    s_host.client = NULL;
    mosquitto_lib_cleanup();
}

void mqtt_host_publish(const char *topic, const uint8_t *bytes, size_t len)
{
    mosquitto_publish(s_host.client, NULL, topic, (int)len, bytes, 1, false);
}

void mqtt_host_publish_down(const uint8_t *bytes, size_t len)
{
    mosquitto_publish(s_host.client, NULL, s_host.down, (int)len, bytes, 1, false);
}

static void mqtt_send(agent_proc *a, const uint8_t *msg, size_t len)
{
    (void)a;
    mqtt_host_publish_down(msg, len);
}

static size_t mqtt_receive(agent_proc *a, int timeout_ms, tu_rx_t *out, size_t max)
{
    (void)a;
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        size_t n = 0;
        pthread_mutex_lock(&s_host.lock);
        while (s_host.count > 0 && n < max) {
            tu_rx_t *rx = &out[n++];
            memset(&rx->hdr, 0, sizeof rx->hdr);
            rx->raw_len = s_queue[s_host.head].len;
            memcpy(rx->raw, s_queue[s_host.head].bytes, rx->raw_len);
            rx->status = rtp_msg_decode(RTP_DIR_D2H, rx->raw, rx->raw_len, &rx->msg, NULL);
            s_host.head = (s_host.head + 1u) % QUEUE;
            s_host.count--;
        }
        pthread_mutex_unlock(&s_host.lock);
        if (n > 0) return n;
        sleep_ms(5);
    }
    return 0;
}

const agent_link agent_mqtt_link = {mqtt_send, mqtt_receive};

size_t mqtt_host_status(int online, int timeout_ms, uint8_t *buf, size_t cap)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        pthread_mutex_lock(&s_host.lock);
        size_t len = s_host.status_len;
        int match = len >= 3 && s_host.status_bytes[1] == 0x00 && s_host.status_bytes[2] == (online ? 0xF5 : 0xF4);
        if (match && len <= cap) memcpy(buf, s_host.status_bytes, len);
        pthread_mutex_unlock(&s_host.lock);
        if (match) return len;
        sleep_ms(10);
    }
    return 0;
}

/* The anchor for ping round trips: a process that echoes every byte on a
 * pseudo-terminal, the same topology as the POSIX sim (host → serialport →
 * pty → C process → pty → host) without the protocol. Prints the slave path,
 * then echoes until SIGTERM. */
#define _XOPEN_SOURCE 600
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

int main(void) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return 1;
    const char *slave_path = ptsname(master);
    /* Keep a raw slave open ourselves so no echo or line editing touches the bytes. */
    int slave = open(slave_path, O_RDWR | O_NOCTTY);
    struct termios tio;
    if (slave < 0 || tcgetattr(slave, &tio) != 0) return 1;
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    printf("PTY_ECHO pty=%s\n", slave_path);
    fflush(stdout);
    unsigned char buf[4096];
    for (;;) {
        struct pollfd pfd = {.fd = master, .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0) continue;
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) {
            usleep(1000);
            continue;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(master, buf + done, (size_t)(n - done));
            if (w > 0) done += w;
        }
    }
}

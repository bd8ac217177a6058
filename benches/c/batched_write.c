/*
 * The raw-syscall baseline of the million_writes benchmark: the same bytes as Node's
 * "write one million times" (count chunks of chunk_bytes each), batched into 64 KiB
 * write(2) calls on a blocking pipe into a child `sh -c 'cat > /dev/null'`.
 *
 * Build and run: cc -O2 -o batched_write benches/c/batched_write.c
 *                ./batched_write [count=1000000] [chunk_bytes=100]
 * Prints one line of key=value pairs in the format of benches/node/million_writes.js. The
 * clock starts just before the first chunk is copied and stops when the child has exited.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH (64 * 1024)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? atol(argv[1]) : 1000000;
    long size = argc > 2 ? atol(argv[2]) : 100;
    if (count < 1 || size < 1 || size > BATCH) {
        fprintf(stderr, "usage: batched_write [count] [chunk_bytes <= 65536]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        perror("pipe2");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        dup2(fds[0], 0);
        execlp("sh", "sh", "-c", "cat > /dev/null", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);

    char *chunk = malloc((size_t)size);
    char *batch = malloc(BATCH);
    if (chunk == NULL || batch == NULL) {
        perror("malloc");
        return 1;
    }
    memset(chunk, 'x', (size_t)size);

    double start = now();
    size_t used = 0;
    long writes = 0;
    for (long i = 0; i < count; i++) {
        if (used + (size_t)size > BATCH) {
            if (write_all(fds[1], batch, used) != 0) {
                perror("write");
                return 1;
            }
            writes++;
            used = 0;
        }
        memcpy(batch + used, chunk, (size_t)size);
        used += (size_t)size;
    }
    if (used > 0) {
        if (write_all(fds[1], batch, used) != 0) {
            perror("write");
            return 1;
        }
        writes++;
    }
    close(fds[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    double elapsed = now() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "cat failed (status %d)\n", status);
        return 1;
    }
    double bytes = (double)count * (double)size;
    printf("side=c count=%ld chunk=%ld elapsed_s=%.4f writes_per_s=%.0f mb_per_s=%.1f "
           "syscalls=%ld\n",
           count, size, elapsed, (double)count / elapsed, bytes / 1e6 / elapsed, writes);
    free(chunk);
    free(batch);
    return 0;
}

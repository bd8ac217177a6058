/*
 * The raw-syscall baseline of the million_writes benchmark: the same bytes as Node's
 * "write one million times" (count chunks of chunk_bytes each), batched into 64 KiB
 * write(2) calls on a blocking pipe into a child `sh -c 'cat > /dev/null'`.
 *
 * Build and run: cc -O2 -o batched_write benches/c/batched_write.c
 *                ./batched_write [count=1000000] [chunk_bytes=100] [batch_bytes=65536] [nonblock]
 * Prints one line of key=value pairs in the format of benches/node/million_writes.js. The
 * clock starts just before the first chunk is copied and stops when the child has exited.
 *
 * With batch_bytes=16384 and "nonblock" it is the floor for a writer that follows Node's
 * default high-water mark: the same bytes in 16 KiB write(2) calls on a nonblocking pipe,
 * waiting in poll(2) when the pipe is full (printed as side=c16k).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH (64 * 1024)

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
            if (errno == EAGAIN) {
                struct pollfd p = {.fd = fd, .events = POLLOUT};
                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                    return -1;
                continue;
            }
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
    long batch_bytes = argc > 3 ? atol(argv[3]) : MAX_BATCH;
    int nonblock = argc > 4 && strcmp(argv[4], "nonblock") == 0;
    if (count < 1 || size < 1 || batch_bytes < size || batch_bytes > MAX_BATCH) {
        fprintf(stderr, "usage: batched_write [count] [chunk_bytes <= batch_bytes] "
                        "[batch_bytes <= 65536] [nonblock]\n");
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
    if (nonblock && fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0) {
        perror("fcntl");
        return 1;
    }

    char *chunk = malloc((size_t)size);
    char *batch = malloc((size_t)batch_bytes);
    if (chunk == NULL || batch == NULL) {
        perror("malloc");
        return 1;
    }
    memset(chunk, 'x', (size_t)size);

    double start = now();
    size_t used = 0;
    long writes = 0;
    for (long i = 0; i < count; i++) {
        if (used + (size_t)size > (size_t)batch_bytes) {
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
    printf("side=%s count=%ld chunk=%ld elapsed_s=%.4f writes_per_s=%.0f mb_per_s=%.1f "
           "syscalls=%ld\n",
           nonblock ? "c16k" : "c", count, size, elapsed, (double)count / elapsed, bytes / 1e6 / elapsed, writes);
    free(chunk);
    free(batch);
    return 0;
}

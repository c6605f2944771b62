/* The guest's demo application, behind attestd (images/init starts it).
 *
 * Plain HTTP/1.1 on 127.0.0.1:8080 (or argv[1] as PORT), one connection at a time,
 * Connection: close. POST /generate answers 200 "generated for <body>\n" — the same
 * answer as the application of tests/integration/agent_test.cpp; GET /healthz answers
 * "ok"; anything else 404. Bodies up to 64 KiB (413 above). Linked statically, so the
 * initramfs needs no libc. It listens on loopback only: it is reachable from outside the
 * VM only through attestd, i.e. only by clients that attested the VM first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

enum { MAX_HEAD = 8192, MAX_BODY = 65536 };

static void send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

static void answer(int fd, int status, const char *reason, const char *body, size_t body_len) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                   status, reason, body_len);
  send_all(fd, head, (size_t)n);
  send_all(fd, body, body_len);
}

static void serve(int fd) {
  static char buf[MAX_HEAD + MAX_BODY + 1];
  size_t have = 0;
  char *end = NULL;
  while (!end) {
    if (have >= MAX_HEAD) return answer(fd, 431, "Request Header Fields Too Large", "", 0);
    ssize_t r = read(fd, buf + have, MAX_HEAD - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    have += (size_t)r;
    buf[have] = 0;
    end = strstr(buf, "\r\n\r\n");
  }
  size_t head_len = (size_t)(end - buf) + 4;
  char method[16] = "", path[1024] = "";
  if (sscanf(buf, "%15s %1023s", method, path) != 2) return answer(fd, 400, "Bad Request", "", 0);
  size_t content_length = 0;
  for (char *line = strstr(buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "Content-Length:", 15) == 0) content_length = strtoul(line + 17, NULL, 10);
  }
  if (content_length > MAX_BODY) return answer(fd, 413, "Payload Too Large", "", 0);
  while (have < head_len + content_length) {
    ssize_t r = read(fd, buf + have, head_len + content_length - have);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    have += (size_t)r;
  }
  if (strcmp(path, "/generate") == 0 && strcmp(method, "POST") == 0) {
    static char out[MAX_BODY + 64];
    int n = snprintf(out, sizeof out, "generated for %.*s\n", (int)content_length, buf + head_len);
    return answer(fd, 200, "OK", out, (size_t)n);
  }
  if (strcmp(path, "/healthz") == 0) return answer(fd, 200, "OK", "ok\n", 3);
  answer(fd, 404, "Not Found", "no such page\n", 13);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 8080;
  signal(SIGPIPE, SIG_IGN);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0) {
    perror("demo-app: listen");
    return 1;
  }
  fprintf(stderr, "demo-app: listening on 127.0.0.1:%d\n", port);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    struct timeval tv = {10, 0};  /* a stalled client cannot hold the loop */
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    serve(c);
    close(c);
  }
}

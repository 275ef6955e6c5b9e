/*
 * Batched socket I/O for OpenFlow sessions over plain TCP.
 *
 * Node reads each ready socket with its own call into JavaScript (and a tick and microtask drain
 * after each), and writes each through a Writable. With many switches each sending one small
 * message per round trip, that machinery cost more than the controller's own work. Here each
 * socket has a plain watch (uv_poll) in Node's loop, whose callback, in C, reads it into one shared
 * slab; after the loop's poll phase, a check handle calls JavaScript once with the whole batch.
 * (An epoll set of our own, watched by the loop as one descriptor, cost one more epoll_wait per
 * turn: with one switch, one per round trip.) The writes of a tick go to the kernel together (sendAll, through io_uring).
 *
 * The descriptors stay owned by Node (the net.Socket handles they came from): this module never
 * closes one, and JavaScript removes a socket from the set before closing it.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Bytes of a fresh slab; a read gets at most READ_MAX, and a slab whose tail is under MIN_TAIL is replaced. */
#define SLAB_SIZE (256 * 1024)
#define READ_MAX (64 * 1024)
#define MIN_TAIL (16 * 1024)
/* Entries a batch holds (a socket may be writable and readable in one turn); a full batch is delivered at once. */
#define MAX_ENTRIES 512
/* One batch entry: socket id, offset in the slab, byte count (or errno), kind. */
#define ENTRY_INTS 4

enum { KIND_DATA = 0, KIND_EOF = 1, KIND_ERROR = 2, KIND_WRITABLE = 3 };

typedef struct poller_s poller_t;

/* One socket in the set: its own watch in Node's loop, so that the loop's epoll_wait reports it directly. */
typedef struct {
  uv_poll_t poll;
  poller_t *p;
  int32_t id;
  int fd;
  int events; /* what the watch waits for (UV_READABLE, UV_WRITABLE) */
} sock_t;

struct poller_s {
  napi_env env;
  /* Runs after the loop's poll phase (before Node's immediates): the turn's reads go to JavaScript there, together. */
  uv_check_t check;
  napi_ref callback;
  napi_ref resource;
  napi_async_context async_context;
  napi_ref entries_ref; /* Int32Array shared with JavaScript: MAX_ENTRIES entries */
  int32_t *entries;
  int count;
  napi_ref slab_ref;
  uint8_t *slab;
  size_t slab_used;
  sock_t **by_fd; /* sockets by descriptor number */
  int by_fd_len;
  int closed;
};

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "signalbox batch I/O: " #call " failed"); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static void free_handle_data(uv_handle_t *h) {
  free(h->data);
}

/* Stops watching a socket; its memory goes once the loop has closed the watch. Call before the descriptor is closed. */
static void sock_close(sock_t *s) {
  s->p->by_fd[s->fd] = NULL;
  uv_close((uv_handle_t *)&s->poll, free_handle_data);
}

/* Ends a poller: every socket's watch and the turn's check stop, references go. Runs once. */
static void poller_shutdown(poller_t *p, int delete_refs) {
  if (p->closed) return;
  p->closed = 1;
  if (delete_refs) {
    if (p->callback) napi_delete_reference(p->env, p->callback);
    if (p->entries_ref) napi_delete_reference(p->env, p->entries_ref);
    if (p->slab_ref) napi_delete_reference(p->env, p->slab_ref);
    if (p->async_context) napi_async_destroy(p->env, p->async_context);
    if (p->resource) napi_delete_reference(p->env, p->resource);
  }
  for (int fd = 0; fd < p->by_fd_len; fd++)
    if (p->by_fd[fd] != NULL) sock_close(p->by_fd[fd]);
  free(p->by_fd);
  p->by_fd = NULL;
  p->by_fd_len = 0;
  uv_check_stop(&p->check);
  uv_close((uv_handle_t *)&p->check, free_handle_data);
}

static void env_cleanup(void *arg) {
  /* The environment is going away: its references go with it, only the OS resources are ours to free. */
  poller_shutdown((poller_t *)arg, 0);
}

/* Calls JavaScript with the batch so far (slab, count); an exception it throws is reported as uncaught. */
static void deliver(poller_t *p) {
  int count = p->count;
  p->count = 0;
  if (count == 0 || p->closed) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, resource, slab, argv[2], result;
  if (napi_get_reference_value(env, p->callback, &cb) == napi_ok && cb != NULL &&
      napi_get_reference_value(env, p->resource, &resource) == napi_ok && resource != NULL &&
      napi_get_reference_value(env, p->slab_ref, &slab) == napi_ok && slab != NULL) {
    argv[0] = slab;
    napi_create_int32(env, count, &argv[1]);
    if (napi_make_callback(env, p->async_context, resource, cb, 2, argv, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* Room for a read at the slab's tail: what is there is delivered first when the slab is full. 0 when no slab could be made. */
static int ensure_slab(poller_t *p) {
  if (p->slab != NULL && SLAB_SIZE - p->slab_used >= MIN_TAIL) return 1;
  deliver(p);
  if (p->closed) return 0;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return 0;
  void *data;
  napi_value buf;
  int ok = napi_create_buffer(env, SLAB_SIZE, &data, &buf) == napi_ok;
  if (p->slab_ref) napi_delete_reference(env, p->slab_ref);
  p->slab_ref = NULL;
  p->slab = NULL;
  if (ok && napi_create_reference(env, buf, 1, &p->slab_ref) == napi_ok) {
    p->slab = (uint8_t *)data;
    p->slab_used = 0;
  }
  napi_close_handle_scope(env, scope);
  return p->slab != NULL;
}

static void add_entry(poller_t *p, int32_t id, int32_t offset, int32_t n, int32_t kind) {
  int32_t *e = p->entries + p->count * ENTRY_INTS;
  e[0] = id;
  e[1] = offset;
  e[2] = n;
  e[3] = kind;
  p->count++;
}

/* One socket is ready (called by the loop in its poll phase): it is read into the slab, and JavaScript hears of it in the check phase. */
static void on_socket(uv_poll_t *h, int status, int events) {
  sock_t *s = (sock_t *)h->data;
  poller_t *p = s->p;
  if (p->closed) return;
  if (p->count + 2 > MAX_ENTRIES) deliver(p);
  /* JavaScript, called by deliver, may have closed this very socket. */
  if (p->closed || p->by_fd[s->fd] != s) return;
  if (status < 0) {
    /* A pending socket error (the loop reports it as EBADF and stops the watch): a read returns what
     * is left to read and then the error itself (a send, the error), so the watch goes on as it was. */
    uv_poll_start(&s->poll, s->events, on_socket);
    events = s->events;
  }
  if (events & UV_WRITABLE) add_entry(p, s->id, 0, 0, KIND_WRITABLE);
  if (!(events & (UV_READABLE | UV_DISCONNECT))) return;
  if (!ensure_slab(p) || p->by_fd[s->fd] != s) return;
  size_t want = SLAB_SIZE - p->slab_used;
  if (want > READ_MAX) want = READ_MAX;
  ssize_t r;
  do {
    r = read(s->fd, p->slab + p->slab_used, want);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (r > 0) {
    add_entry(p, s->id, (int32_t)p->slab_used, (int32_t)r, KIND_DATA);
    p->slab_used += (size_t)r;
    return;
  }
  /* End of stream or an error: nothing more will be read, so the watch stops now (a hang-up would
   * otherwise be reported on every turn until JavaScript closes the socket). */
  int err = r == 0 ? 0 : errno;
  s->events = 0;
  uv_poll_stop(&s->poll);
  add_entry(p, s->id, 0, err, r == 0 ? KIND_EOF : KIND_ERROR);
}

static void on_check(uv_check_t *h) {
  deliver((poller_t *)h->data);
}

static poller_t *poller_of(napi_env env, napi_value v) {
  void *ptr = NULL;
  if (napi_get_value_external(env, v, &ptr) != napi_ok || ptr == NULL) {
    napi_throw_type_error(env, NULL, "expected a poller");
    return NULL;
  }
  poller_t *p = (poller_t *)ptr;
  if (p->closed) {
    napi_throw_error(env, NULL, "the poller is closed");
    return NULL;
  }
  return p;
}

static int get_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* The call's first n arguments into argv; 0 (a TypeError thrown, naming the call by `usage`) when fewer were given. */
static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

/* A syscall's outcome as JavaScript sees it: 0, or -errno when rc < 0. */
static napi_value errno_result(napi_env env, int rc) {
  napi_value result;
  CHECK(napi_create_int32(env, rc < 0 ? -errno : 0, &result));
  return result;
}

/* open(onBatch: (slab: Buffer, count: number) => void, entries: Int32Array): poller */
static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[2], external, resource, name;
  if (!get_args(env, info, 2, argv, "open(onBatch, entries)")) return NULL;
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[0], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, NULL, "open(onBatch, entries): onBatch must be a function");
    return NULL;
  }
  napi_typedarray_type tt;
  size_t len;
  void *data;
  bool is_ta = false;
  CHECK(napi_is_typedarray(env, argv[1], &is_ta));
  if (!is_ta) {
    napi_throw_type_error(env, NULL, "open(onBatch, entries): entries must be an Int32Array");
    return NULL;
  }
  CHECK(napi_get_typedarray_info(env, argv[1], &tt, &len, &data, NULL, NULL));
  if (tt != napi_int32_array || len < (size_t)MAX_ENTRIES * ENTRY_INTS) {
    napi_throw_range_error(env, NULL, "open(onBatch, entries): entries must be an Int32Array of at least 2048 elements");
    return NULL;
  }
  poller_t *p = (poller_t *)calloc(1, sizeof(poller_t));
  if (p == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  p->env = env;
  p->entries = (int32_t *)data;
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_check_init(loop, &p->check) != 0) {
    free(p);
    napi_throw_error(env, NULL, "could not add a check to the event loop");
    return NULL;
  }
  p->check.data = p;
  uv_check_start(&p->check, on_check);
  /* The sockets' own handles keep the process alive while there are connections; these watches do not. */
  uv_unref((uv_handle_t *)&p->check);
  CHECK(napi_create_reference(env, argv[0], 1, &p->callback));
  CHECK(napi_create_reference(env, argv[1], 1, &p->entries_ref));
  CHECK(napi_create_object(env, &resource));
  CHECK(napi_create_reference(env, resource, 1, &p->resource));
  CHECK(napi_create_string_utf8(env, "signalbox:batch-io", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, resource, name, &p->async_context));
  CHECK(napi_add_env_cleanup_hook(env, env_cleanup, p));
  CHECK(napi_create_external(env, p, NULL, NULL, &external));
  return external;
}

/* The socket's watch, made on first use; NULL (errno set) when it could not be. */
static sock_t *sock_at(poller_t *p, int fd, int32_t id) {
  if (fd >= p->by_fd_len) {
    int len = p->by_fd_len == 0 ? 64 : p->by_fd_len;
    while (len <= fd) len *= 2;
    sock_t **grown = (sock_t **)realloc(p->by_fd, (size_t)len * sizeof(sock_t *));
    if (grown == NULL) {
      errno = ENOMEM;
      return NULL;
    }
    memset(grown + p->by_fd_len, 0, (size_t)(len - p->by_fd_len) * sizeof(sock_t *));
    p->by_fd = grown;
    p->by_fd_len = len;
  }
  sock_t *s = p->by_fd[fd];
  if (s != NULL) {
    s->id = id;
    return s;
  }
  s = (sock_t *)calloc(1, sizeof(sock_t));
  if (s == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  uv_loop_t *loop;
  int rc = napi_get_uv_event_loop(p->env, &loop) == napi_ok ? uv_poll_init(loop, &s->poll, fd) : UV_EINVAL;
  if (rc != 0) {
    /* EEXIST: Node itself already watches this descriptor (the socket is being read the usual way). */
    free(s);
    errno = -rc;
    return NULL;
  }
  s->poll.data = s;
  s->p = p;
  s->fd = fd;
  s->id = id;
  uv_unref((uv_handle_t *)&s->poll);
  p->by_fd[fd] = s;
  return s;
}

/* watch(poller, fd, id, read: boolean, write: boolean): 0 or -errno. Adds the socket to the set, or changes what it waits for. */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "watch(poller, fd, id, read, write)")) return NULL;
  poller_t *p = poller_of(env, argv[0]);
  if (p == NULL) return NULL;
  int32_t fd, id;
  bool rd, wr;
  if (!get_int(env, argv[1], &fd) || !get_int(env, argv[2], &id) || fd < 0 || napi_get_value_bool(env, argv[3], &rd) != napi_ok ||
      napi_get_value_bool(env, argv[4], &wr) != napi_ok) {
    napi_throw_type_error(env, NULL, "watch(poller, fd, id, read, write): fd and id must be integers, read and write booleans");
    return NULL;
  }
  sock_t *s = sock_at(p, fd, id);
  if (s == NULL) return errno_result(env, -1);
  s->events = (rd ? UV_READABLE : 0) | (wr ? UV_WRITABLE : 0);
  int rc = s->events != 0 ? uv_poll_start(&s->poll, s->events, on_socket) : uv_poll_stop(&s->poll);
  if (rc != 0) errno = -rc;
  return errno_result(env, rc);
}

/* unwatch(poller, fd): 0 or -errno. Call before the descriptor is closed. */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "unwatch(poller, fd)")) return NULL;
  poller_t *p = poller_of(env, argv[0]);
  if (p == NULL) return NULL;
  int32_t fd;
  if (!get_int(env, argv[1], &fd)) {
    napi_throw_type_error(env, NULL, "unwatch(poller, fd): fd must be an integer");
    return NULL;
  }
  if (fd < 0 || fd >= p->by_fd_len || p->by_fd[fd] == NULL) {
    errno = ENOENT;
    return errno_result(env, -1);
  }
  sock_close(p->by_fd[fd]);
  return errno_result(env, 0);
}

/* One non-blocking send: bytes written, or -errno. */
static int32_t send_now(int fd, const void *data, size_t len) {
  ssize_t r;
  do {
    r = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : (int32_t)r;
}

/* send(fd, bytes: Uint8Array): bytes written (maybe fewer than given), or -errno (-EAGAIN: none fit). */
static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  if (!get_args(env, info, 2, argv, "send(fd, bytes)")) return NULL;
  int32_t fd;
  bool is_ta = false;
  if (!get_int(env, argv[0], &fd) || fd < 0 || napi_is_typedarray(env, argv[1], &is_ta) != napi_ok || !is_ta) {
    napi_throw_type_error(env, NULL, "send(fd, bytes): fd must be an integer, bytes a Uint8Array");
    return NULL;
  }
  napi_typedarray_type tt;
  size_t len;
  void *data;
  CHECK(napi_get_typedarray_info(env, argv[1], &tt, &len, &data, NULL, NULL));
  if (tt != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "send(fd, bytes): bytes must be a Uint8Array");
    return NULL;
  }
  CHECK(napi_create_int32(env, send_now(fd, data, len), &result));
  return result;
}

/* shutdownWrite(fd): 0 or -errno. Sends FIN once what was written has gone. */
static napi_value js_shutdown_write(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "shutdownWrite(fd)")) return NULL;
  int32_t fd;
  if (!get_int(env, argv[0], &fd) || fd < 0) {
    napi_throw_type_error(env, NULL, "shutdownWrite(fd): fd must be an integer");
    return NULL;
  }
  return errno_result(env, shutdown(fd, SHUT_WR));
}

/* close(poller): stops watching; the sockets themselves are untouched. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "close(poller)")) return NULL;
  void *ptr = NULL;
  if (napi_get_value_external(env, argv[0], &ptr) != napi_ok || ptr == NULL) {
    napi_throw_type_error(env, NULL, "close(poller)");
    return NULL;
  }
  poller_t *p = (poller_t *)ptr;
  if (!p->closed) {
    napi_remove_env_cleanup_hook(env, env_cleanup, p);
    poller_shutdown(p, 1);
  }
  return NULL;
}

/*
 * One io_uring per thread for batched sends: a turn's answers to many switches go to the kernel
 * in one io_uring_enter instead of a send each (a syscall costs about 1.2 us on a paravirtualised
 * machine, more than the rest of a small send). Sends carry MSG_DONTWAIT, so each completes
 * inline: sent, partly sent, or -EAGAIN, as a plain send would. Without io_uring (an older kernel,
 * or one that refuses it) the batch is sent one send at a time.
 */
typedef struct {
  int fd;
  /* The three mappings (cq is sq's when the kernel maps both rings at once), unmapped by ring_close. */
  void *sq_map, *cq_map, *sqes_map;
  size_t sq_map_len, cq_map_len, sqes_map_len;
  unsigned *sq_tail, *sq_mask, *sq_array;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
} ring_t;

static __thread ring_t ring;
static __thread int ring_state; /* 0 not tried, 1 ready, -1 unavailable */

/* Unmaps and closes this thread's ring (the environment that made it is going away: a worker thread
 * ending, or the process). A later environment on the same thread would make a new one. */
static void ring_close(void *arg) {
  (void)arg;
  if (ring.sqes_map != NULL) munmap(ring.sqes_map, ring.sqes_map_len);
  if (ring.cq_map != NULL && ring.cq_map != ring.sq_map) munmap(ring.cq_map, ring.cq_map_len);
  if (ring.sq_map != NULL) munmap(ring.sq_map, ring.sq_map_len);
  if (ring.fd > 0) close(ring.fd);
  memset(&ring, 0, sizeof ring);
  ring_state = 0;
}

static int ring_setup(void) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
  int fd = (int)syscall(__NR_io_uring_setup, 256, &p);
  if (fd < 0) {
    /* Kernels before 6.0 know fewer flags. */
    memset(&p, 0, sizeof p);
    fd = (int)syscall(__NR_io_uring_setup, 256, &p);
  }
  if (fd < 0) return -1;
  memset(&ring, 0, sizeof ring);
  ring.fd = fd;
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && cq_len > sq_len) sq_len = cq_len;
  uint8_t *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) goto fail;
  ring.sq_map = sq;
  ring.sq_map_len = sq_len;
  uint8_t *cq = sq;
  if (!single) {
    cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    if (cq == MAP_FAILED) goto fail;
  }
  ring.cq_map = cq;
  ring.cq_map_len = cq_len;
  size_t sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
  void *sqes = mmap(NULL, sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) goto fail;
  ring.sqes_map = sqes;
  ring.sqes_map_len = sqes_len;
  ring.sq_tail = (unsigned *)(sq + p.sq_off.tail);
  ring.sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  ring.sq_array = (unsigned *)(sq + p.sq_off.array);
  ring.sqes = (struct io_uring_sqe *)sqes;
  ring.cq_head = (unsigned *)(cq + p.cq_off.head);
  ring.cq_tail = (unsigned *)(cq + p.cq_off.tail);
  ring.cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  ring.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  return 0;
fail:
  ring_close(NULL);
  return -1;
}

/*
 * Sends n buffers through the ring, results[i] = bytes sent or -errno. Should io_uring_enter
 * itself fail, the sends not known to be done are reported as -EIO (their connections end) rather
 * than sent again, which could send bytes twice, and the ring is not used again.
 */
static void ring_send(const int32_t *fds, void *const *data, const size_t *lens, int n, int32_t *results) {
  unsigned tail = *ring.sq_tail;
  unsigned mask = *ring.sq_mask;
  for (int i = 0; i < n; i++) {
    unsigned idx = tail & mask;
    struct io_uring_sqe *sqe = &ring.sqes[idx];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_SEND;
    sqe->fd = fds[i];
    sqe->addr = (uint64_t)(uintptr_t)data[i];
    sqe->len = (uint32_t)lens[i];
    sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
    sqe->user_data = (uint64_t)i;
    ring.sq_array[idx] = idx;
    results[i] = -EIO;
    tail++;
  }
  __atomic_store_n(ring.sq_tail, tail, __ATOMIC_RELEASE);
  int submitted = 0, done = 0;
  while (done < n) {
    int r = (int)syscall(__NR_io_uring_enter, ring.fd, (unsigned)(n - submitted), (unsigned)(n - done), IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      ring_state = -1;
      return;
    }
    submitted += r;
    unsigned head = *ring.cq_head;
    unsigned cmask = *ring.cq_mask;
    while (head != __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE)) {
      struct io_uring_cqe *cqe = &ring.cqes[head & cmask];
      if (cqe->user_data < (uint64_t)n) results[cqe->user_data] = cqe->res;
      head++;
      done++;
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
  }
}

#define SEND_BATCH 256

/* sendAll(fds: Int32Array, buffers: Uint8Array[], n, results: Int32Array): results[i] = bytes sent or -errno, in order. */
static napi_value js_send_all(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "sendAll(fds, buffers, n, results)")) return NULL;
  int32_t n;
  napi_typedarray_type t1, t2;
  size_t fl, rl;
  void *fdata, *rdata;
  bool is_array = false;
  if (!get_int(env, argv[2], &n) || n < 0 || napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_typedarray_info(env, argv[0], &t1, &fl, &fdata, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &t2, &rl, &rdata, NULL, NULL) != napi_ok || t1 != napi_int32_array || t2 != napi_int32_array ||
      fl < (size_t)n || rl < (size_t)n) {
    napi_throw_type_error(env, NULL, "sendAll(fds: Int32Array, buffers: Uint8Array[], n, results: Int32Array): n entries in each");
    return NULL;
  }
  const int32_t *fds = (const int32_t *)fdata;
  int32_t *results = (int32_t *)rdata;
  if (ring_state == 0) {
    ring_state = ring_setup() == 0 ? 1 : -1;
    /* The ring outlives no environment of its thread (a worker thread's ends with it). */
    if (ring_state == 1 && napi_add_env_cleanup_hook(env, ring_close, NULL) != napi_ok) {
      ring_close(NULL);
      ring_state = -1;
    }
  }
  void *data[SEND_BATCH];
  size_t lens[SEND_BATCH];
  for (int base = 0; base < n; base += SEND_BATCH) {
    int m = n - base < SEND_BATCH ? n - base : SEND_BATCH;
    for (int i = 0; i < m; i++) {
      napi_value b;
      napi_typedarray_type tt;
      if (napi_get_element(env, argv[1], (uint32_t)(base + i), &b) != napi_ok ||
          napi_get_typedarray_info(env, b, &tt, &lens[i], &data[i], NULL, NULL) != napi_ok || tt != napi_uint8_array) {
        napi_throw_type_error(env, NULL, "sendAll: buffers must hold Uint8Arrays");
        return NULL;
      }
    }
    if (ring_state == 1 && m > 1) {
      ring_send(fds + base, data, lens, m, results + base);
      continue;
    }
    for (int i = 0; i < m; i++) results[base + i] = send_now(fds[base + i], data[i], lens[i]);
  }
  return NULL;
}


static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"sendAll", NULL, js_send_all, NULL, NULL, NULL, napi_default, NULL},
      {"shutdownWrite", NULL, js_shutdown_write, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value v;
  napi_create_int32(env, MAX_ENTRIES * ENTRY_INTS, &v);
  napi_set_named_property(env, exports, "ENTRIES_LENGTH", v);
  napi_create_int32(env, EAGAIN, &v);
  napi_set_named_property(env, exports, "EAGAIN", v);
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

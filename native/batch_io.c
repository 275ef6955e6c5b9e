/*
 * Batched socket I/O for OpenFlow sessions over plain TCP.
 *
 * Node reads each ready socket with its own call into JavaScript (and a tick and microtask drain
 * after each), and writes each through a Writable. With many switches each sending one small
 * message per round trip, that machinery cost more than the controller's own work. Here the
 * sockets sit in one epoll set that Node's loop watches as a single descriptor: when it is
 * readable, every ready socket is read into one shared slab and JavaScript is called once with the
 * whole batch. The writes of a tick go to the kernel together (sendAll, through io_uring).
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
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Bytes of a fresh slab; a read gets at most READ_MAX, and a slab whose tail is under MIN_TAIL is replaced. */
#define SLAB_SIZE (256 * 1024)
#define READ_MAX (64 * 1024)
#define MIN_TAIL (16 * 1024)
/* Ready sockets taken per epoll_wait; more stay ready (level-triggered) for the loop's next turn. */
#define MAX_EVENTS 256
/* One batch entry: socket id, offset in the slab, byte count (or errno), kind. */
#define ENTRY_INTS 4

enum { KIND_DATA = 0, KIND_EOF = 1, KIND_ERROR = 2, KIND_WRITABLE = 3 };

typedef struct {
  napi_env env;
  int epfd;
  uv_poll_t poll;
  int poll_started;
  napi_ref callback;
  napi_ref resource;
  napi_async_context async_context;
  napi_ref entries_ref; /* Int32Array shared with JavaScript: MAX_EVENTS * 2 entries (a socket may be writable and readable) */
  int32_t *entries;
  napi_ref slab_ref;
  uint8_t *slab;
  size_t slab_used;
  int closed;
} poller_t;

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "signalbox batch I/O: " #call " failed"); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static void poller_closed(uv_handle_t *h) {
  poller_t *p = (poller_t *)h->data;
  free(p);
}

/* Ends a poller: the epoll set closes, the loop's watch stops, references go. Runs once. */
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
  if (p->poll_started) {
    uv_poll_stop(&p->poll);
    close(p->epfd);
    uv_close((uv_handle_t *)&p->poll, poller_closed);
  } else {
    close(p->epfd);
    free(p);
  }
}

static void env_cleanup(void *arg) {
  /* The environment is going away: its references go with it, only the OS resources are ours to free. */
  poller_shutdown((poller_t *)arg, 0);
}

/* A fresh slab, referenced so that it outlives this handle scope; 0 when it could not be made. */
static int new_slab(poller_t *p, napi_value *out) {
  void *data;
  napi_value buf;
  if (napi_create_buffer(p->env, SLAB_SIZE, &data, &buf) != napi_ok) return 0;
  if (p->slab_ref) napi_delete_reference(p->env, p->slab_ref);
  if (napi_create_reference(p->env, buf, 1, &p->slab_ref) != napi_ok) {
    p->slab_ref = NULL;
    p->slab = NULL;
    return 0;
  }
  p->slab = (uint8_t *)data;
  p->slab_used = 0;
  *out = buf;
  return 1;
}

/* Calls JavaScript with the batch (slab, count); an exception it throws is reported as uncaught. */
static void deliver(poller_t *p, napi_value slab, int count) {
  napi_env env = p->env;
  napi_value cb, resource, argv[2], result;
  if (napi_get_reference_value(env, p->callback, &cb) != napi_ok || cb == NULL) return;
  if (napi_get_reference_value(env, p->resource, &resource) != napi_ok || resource == NULL) return;
  argv[0] = slab;
  napi_create_int32(env, count, &argv[1]);
  if (napi_make_callback(env, p->async_context, resource, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

static void on_ready(uv_poll_t *h, int status, int events) {
  (void)events;
  poller_t *p = (poller_t *)h->data;
  if (p->closed || status < 0) return;
  struct epoll_event ev[MAX_EVENTS];
  int n;
  do {
    n = epoll_wait(p->epfd, ev, MAX_EVENTS, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return;

  napi_handle_scope scope;
  if (napi_open_handle_scope(p->env, &scope) != napi_ok) return;
  napi_value slab;
  if (p->slab_ref == NULL || SLAB_SIZE - p->slab_used < MIN_TAIL || napi_get_reference_value(p->env, p->slab_ref, &slab) != napi_ok ||
      slab == NULL) {
    if (!new_slab(p, &slab)) goto out;
  }
  int count = 0;
  for (int i = 0; i < n && !p->closed; i++) {
    int32_t id = (int32_t)(ev[i].data.u64 >> 32);
    int fd = (int)(ev[i].data.u64 & 0xffffffffu);
    uint32_t re = ev[i].events;
    if (re & EPOLLOUT) {
      int32_t *e = p->entries + count * ENTRY_INTS;
      e[0] = id;
      e[1] = 0;
      e[2] = 0;
      e[3] = KIND_WRITABLE;
      count++;
    }
    if (!(re & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
    /* The slab is full: the sockets not read yet are still ready, and are read on the loop's next
     * turn. (Not after this batch is delivered: JavaScript may close descriptors meanwhile, and the
     * numbers may be reused.) */
    if (SLAB_SIZE - p->slab_used < MIN_TAIL) break;
    size_t want = SLAB_SIZE - p->slab_used;
    if (want > READ_MAX) want = READ_MAX;
    ssize_t r;
    do {
      r = read(fd, p->slab + p->slab_used, want);
    } while (r < 0 && errno == EINTR);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    int32_t *e = p->entries + count * ENTRY_INTS;
    e[0] = id;
    if (r > 0) {
      e[1] = (int32_t)p->slab_used;
      e[2] = (int32_t)r;
      e[3] = KIND_DATA;
      p->slab_used += (size_t)r;
    } else {
      /* End of stream or an error: nothing more will be read, so the socket leaves the set now (a
       * level-triggered hang-up would otherwise be reported on every turn until JavaScript closes it). */
      epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
      e[1] = 0;
      e[2] = r == 0 ? 0 : errno;
      e[3] = r == 0 ? KIND_EOF : KIND_ERROR;
    }
    count++;
  }
  if (count > 0 && !p->closed) deliver(p, slab, count);
out:
  napi_close_handle_scope(p->env, scope);
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

/* open(onBatch: (slab: Buffer, count: number) => void, entries: Int32Array): poller */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], external, resource, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[0], &t));
  if (argc < 2 || t != napi_function) {
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
  if (tt != napi_int32_array || len < (size_t)MAX_EVENTS * 2 * ENTRY_INTS) {
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
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (p->epfd < 0) {
    free(p);
    napi_throw_error(env, NULL, "epoll_create1 failed");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &p->poll, p->epfd) != 0) {
    close(p->epfd);
    free(p);
    napi_throw_error(env, NULL, "could not watch the epoll set");
    return NULL;
  }
  p->poll.data = p;
  p->poll_started = 1;
  uv_poll_start(&p->poll, UV_READABLE, on_ready);
  /* The sockets' own handles keep the process alive while there are connections; this watch does not. */
  uv_unref((uv_handle_t *)&p->poll);
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
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (rd ? EPOLLIN : 0) | (wr ? EPOLLOUT : 0);
  ev.data.u64 = ((uint64_t)(uint32_t)id << 32) | (uint32_t)fd;
  int rc = epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev);
  if (rc < 0 && errno == ENOENT) rc = epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev);
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
  return errno_result(env, epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL));
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
  size_t argc = 2;
  napi_value argv[2], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  bool is_ta = false;
  if (argc < 2 || !get_int(env, argv[0], &fd) || fd < 0 || napi_is_typedarray(env, argv[1], &is_ta) != napi_ok || !is_ta) {
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
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *ptr = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &ptr) != napi_ok || ptr == NULL) {
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
  unsigned *sq_tail, *sq_mask, *sq_array;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
} ring_t;

static __thread ring_t ring;
static __thread int ring_state; /* 0 not tried, 1 ready, -1 unavailable */

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
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && cq_len > sq_len) sq_len = cq_len;
  uint8_t *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) goto fail;
  uint8_t *cq = sq;
  if (!single) {
    cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    if (cq == MAP_FAILED) goto fail;
  }
  void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) goto fail;
  ring.fd = fd;
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
  /* (The mappings, if any, go with the process; this is a once-per-thread start-up failure.) */
  close(fd);
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
  if (ring_state == 0) ring_state = ring_setup() == 0 ? 1 : -1;
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
  napi_create_int32(env, MAX_EVENTS * 2 * ENTRY_INTS, &v);
  napi_set_named_property(env, exports, "ENTRIES_LENGTH", v);
  napi_create_int32(env, EAGAIN, &v);
  napi_set_named_property(env, exports, "EAGAIN", v);
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

/*
 * function-tracer: an LD_PRELOAD library that records which functions of the main executable a process
 * runs, in the order it first calls them (scripts/gen-link-order.sh turns them into the linker's
 * symbol-ordering file, Sources/raftcast/link-order.txt; docs/performance.md "Code layout").
 *
 * How: before the executable's own initializers run, the first byte of every function listed in
 * $RAFTCAST_TRACE_FUNCTIONS (link-time addresses, hex, one per line, ascending; the script takes them
 * from the ELF symbol table, FUNC symbols only) is replaced by a breakpoint (int3) in the process's copy
 * of the code. The first call of each traps once: the SIGTRAP handler appends the function's address to
 * $RAFTCAST_TRACE_DIR/functions.<pid> (after a first line `# <executable> <arguments>`), puts the
 * original byte back and resumes at the function's start. A trap at an address that is not a listed
 * function is not ours: the default action is restored and it recurs.
 * The Swift runtime's own crash handler would replace this one: run with SWIFT_BACKTRACE=enable=no.
 *
 * Build: cc -O2 -shared -fPIC -o tracer.so function-tracer.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static uintptr_t text_start, text_end, load_base;
static int trace_fd = -1;
/* Listed functions (run-time addresses, ascending) and their original first bytes. */
static uintptr_t *functions;
static unsigned char *original;
static size_t function_count;

static int find_main_text(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            load_base = info->dlpi_addr;
            text_start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)4095;
            text_end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 4095) & ~(uintptr_t)4095;
            break;
        }
    }
    return 1; /* the first object reported is the main program */
}

static long find_function(uintptr_t address) {
    size_t low = 0, high = function_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (functions[middle] < address) low = middle + 1; else high = middle;
    }
    return (low < function_count && functions[low] == address) ? (long)low : -1;
}

static void append_hex(uintptr_t value) {
    char line[24], digits[20];
    int n = 0, d = 0;
    do {
        digits[d++] = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value);
    while (d) line[n++] = digits[--d];
    line[n++] = '\n';
    if (write(trace_fd, line, (size_t)n) < 0) { /* nothing to do in a signal handler */ }
}

static void on_trap(int signal, siginfo_t *info, void *context) {
    (void)info;
    ucontext_t *uc = context;
    uintptr_t address = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP] - 1;
    long index = find_function(address);
    if (index < 0) {
        struct sigaction fallback;
        memset(&fallback, 0, sizeof fallback);
        fallback.sa_handler = SIG_DFL;
        sigaction(signal, &fallback, NULL);
        return;
    }
    /* Another thread may have restored it already: then only resume. */
    if (__atomic_exchange_n((unsigned char *)address, original[index], __ATOMIC_SEQ_CST) == 0xCC)
        append_hex(address - load_base);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)address;
}

/* The whole file (procfs files report no size: read to the end). */
static char *read_file(const char *path, size_t *length) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t capacity = 1 << 16, done = 0;
    char *buffer = malloc(capacity + 1);
    for (;;) {
        if (!buffer) break;
        if (done == capacity) {
            char *grown = realloc(buffer, capacity * 2 + 1);
            if (!grown) { free(buffer); buffer = NULL; break; }
            buffer = grown;
            capacity *= 2;
        }
        ssize_t n = read(fd, buffer + done, capacity - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    close(fd);
    if (buffer) buffer[done] = 0;
    *length = done;
    return buffer;
}

__attribute__((constructor)) static void start_tracing(void) {
    const char *dir = getenv("RAFTCAST_TRACE_DIR");
    const char *list = getenv("RAFTCAST_TRACE_FUNCTIONS");
    if (!dir || !list) return;
    dl_iterate_phdr(find_main_text, NULL);
    if (text_start == 0) return;
    size_t length;
    char *text = read_file(list, &length);
    if (!text) return;
    size_t lines = 1;
    for (size_t i = 0; i < length; i++) lines += text[i] == '\n';
    functions = calloc(lines, sizeof *functions);
    original = calloc(lines, 1);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        uintptr_t address = load_base + (uintptr_t)strtoull(line, NULL, 16);
        if (address >= text_start && address < text_end &&
            (function_count == 0 || address > functions[function_count - 1]))
            functions[function_count++] = address;
    }
    free(text);
    char path[4096];
    snprintf(path, sizeof path, "%s/functions.%d", dir, (int)getpid());
    trace_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (trace_fd < 0) return;
    /* First line: the executable and its arguments (children exec'd with the same environment write
       their own files; the script keeps raftcast's and tells the nodes from the rest). */
    char header[8192];
    ssize_t exe = readlink("/proc/self/exe", header + 2, 4000);
    size_t used = exe > 0 ? (size_t)exe + 2 : 2;
    header[used++] = ' ';
    header[0] = '#';
    header[1] = ' ';
    size_t args_length;
    char *args = read_file("/proc/self/cmdline", &args_length);
    for (size_t i = 0; args && i < args_length && used < sizeof header - 2; i++)
        header[used++] = args[i] ? args[i] : ' ';
    free(args);
    header[used++] = '\n';
    if (write(trace_fd, header, used) < 0) { /* best effort */ }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_trap;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGTRAP, &action, NULL);
    mprotect((void *)text_start, text_end - text_start, PROT_READ | PROT_WRITE | PROT_EXEC);
    for (size_t i = 0; i < function_count; i++) {
        unsigned char *byte = (unsigned char *)functions[i];
        original[i] = *byte;
        *byte = 0xCC;
    }
}

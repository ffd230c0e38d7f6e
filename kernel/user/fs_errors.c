/* The file system's error matrix, one raw system call a line: "CALL -> R"
 * with R the result or the errno's name. Run on the host's Linux and on
 * vdso-kernel, the two outputs must be the same line for line
 * (kernel/tests/tool/fs_errors_test.sh diffs them), so every call here
 * works in a scratch directory of a writable file system given as argv[1]
 * (default /tmp/fs_errors: the kernel's RAM file system) and on what both
 * systems have: /, /proc/self, /proc/uptime. Nothing names an address, a
 * descriptor number or a path that differs between the two. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char* scratch;

static const char* errno_name(long e) {
  static const struct {
    int value;
    const char* name;
  } names[] = {{EPERM, "EPERM"},     {ENOENT, "ENOENT"},
               {EBADF, "EBADF"},     {EACCES, "EACCES"},
               {EFAULT, "EFAULT"},   {EBUSY, "EBUSY"},
               {EEXIST, "EEXIST"},   {EXDEV, "EXDEV"},
               {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
               {EINVAL, "EINVAL"},   {EMFILE, "EMFILE"},
               {ESPIPE, "ESPIPE"},   {EROFS, "EROFS"},
               {ERANGE, "ERANGE"},   {ENAMETOOLONG, "ENAMETOOLONG"},
               {ENOSYS, "ENOSYS"},   {ENOTEMPTY, "ENOTEMPTY"},
               {ELOOP, "ELOOP"},     {EOPNOTSUPP, "EOPNOTSUPP"}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
    if (names[i].value == e)
      return names[i].name;
  }
  return "another errno";
}

/* One line: the call's text and its answer. A descriptor that a call
 * returns is printed as "fd" (numbers differ between the systems). */
static long report(const char* what, long r, int returns_fd) {
  if (r < 0)
    printf("%-52s -> %s\n", what, errno_name(errno));
  else if (returns_fd)
    printf("%-52s -> fd\n", what);
  else
    printf("%-52s -> %ld\n", what, r);
  if (returns_fd && r >= 0)
    close((int)r);
  return r;
}
#define CALL(what, call) report(what, (errno = 0, (long)(call)), 0)
#define OPEN(what, call) report(what, (errno = 0, (long)(call)), 1)

/* scratch + "/" + name, in a static buffer (one at a time) or `which`. */
static const char* at(const char* name) {
  static char path[2][512];
  static int which;
  which ^= 1;
  snprintf(path[which], sizeof(path[which]), "%s/%s", scratch, name);
  return path[which];
}

int main(int argc, char** argv) {
  scratch = argc > 1 ? argv[1] : "/tmp/fs_errors";
  if (mkdir(scratch, 0755) != 0 && errno != EEXIST) {
    perror(scratch);
    return 1;
  }
  /* The fixtures: a file f (5 bytes), a directory d holding e, an empty
   * directory empty. */
  int fd = open(at("f"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "hello", 5) != 5 || close(fd) != 0 || mkdir(at("d"), 0755) != 0 ||
      mkdir(at("d/e"), 0755) != 0 || mkdir(at("empty"), 0755) != 0) {
    perror("fixtures");
    return 1;
  }
  if (chdir(scratch) != 0) {
    perror("chdir");
    return 1;
  }
  char long_name[300];
  memset(long_name, 'n', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';

  printf("fs_errors\n");
  /* open and openat */
  OPEN("open(missing)", syscall(SYS_open, "missing", O_RDONLY));
  OPEN("open(\"\")", syscall(SYS_open, "", O_RDONLY));
  OPEN("open(f/x): below a file", syscall(SYS_open, "f/x", O_RDONLY));
  OPEN("open(f/): a file with a slash", syscall(SYS_open, "f/", O_RDONLY));
  OPEN("open(f/.)", syscall(SYS_open, "f/.", O_RDONLY));
  OPEN("open(f, O_DIRECTORY)", syscall(SYS_open, "f", O_RDONLY | O_DIRECTORY));
  OPEN("open(d, O_WRONLY)", syscall(SYS_open, "d", O_WRONLY));
  OPEN("open(d, O_RDWR)", syscall(SYS_open, "d", O_RDWR));
  OPEN("open(d, O_RDONLY)", syscall(SYS_open, "d", O_RDONLY));
  OPEN("open(new/, O_CREAT): a slash", syscall(SYS_open, "new/", O_WRONLY | O_CREAT, 0644));
  OPEN("open(f, O_CREAT|O_EXCL)", syscall(SYS_open, "f", O_WRONLY | O_CREAT | O_EXCL, 0644));
  OPEN("open(d, O_CREAT|O_EXCL)", syscall(SYS_open, "d", O_RDONLY | O_CREAT | O_EXCL, 0644));
  OPEN("open(missing/x, O_CREAT)", syscall(SYS_open, "missing/x", O_WRONLY | O_CREAT, 0644));
  OPEN("open(name of 299 bytes)", syscall(SYS_open, long_name, O_RDONLY));
  OPEN("open(/proc/self/missing)", syscall(SYS_open, "/proc/self/missing", O_RDONLY));
  OPEN("open(/, O_WRONLY)", syscall(SYS_open, "/", O_WRONLY));
  OPEN("openat(999, f)", syscall(SYS_openat, 999, "f", O_RDONLY));
  const int file = open("f", O_RDONLY);
  OPEN("openat(a file's fd, x)", syscall(SYS_openat, file, "x", O_RDONLY));
  OPEN("openat(a file's fd, absolute path)", syscall(SYS_openat, file, at("f"), O_RDONLY));

  /* descriptors */
  char buffer[256]; /* a struct stat fits */
  CALL("read(f, 3)", syscall(SYS_read, file, buffer, 3));
  CALL("write(f opened O_RDONLY)", syscall(SYS_write, file, "x", 1));
  CALL("lseek(f, -1, SEEK_SET)", syscall(SYS_lseek, file, -1L, SEEK_SET));
  CALL("lseek(f, 0, 99)", syscall(SYS_lseek, file, 0, 99));
  CALL("lseek(f, 0, SEEK_END)", syscall(SYS_lseek, file, 0, SEEK_END));
  CALL("lseek(f, 100, SEEK_SET): past the end", syscall(SYS_lseek, file, 100, SEEK_SET));
  CALL("read(f) past the end", syscall(SYS_read, file, buffer, 3));
  CALL("pread64(f, 2, at 3)", syscall(SYS_pread64, file, buffer, 2, 3));
  CALL("pread64(f, at -1)", syscall(SYS_pread64, file, buffer, 2, -1L));
  CALL("getdents64(f)", syscall(SYS_getdents64, file, buffer, sizeof(buffer)));
  CALL("ftruncate(f opened O_RDONLY)", syscall(SYS_ftruncate, file, 0));
  CALL("fchdir(f)", syscall(SYS_fchdir, file));
  CALL("read(999)", syscall(SYS_read, 999, buffer, 1));
  CALL("close(999)", syscall(SYS_close, 999));
  CALL("close(-1)", syscall(SYS_close, -1));
  CALL("fstat(999)", syscall(SYS_fstat, 999, buffer));
  close(file);
  const int directory = open("d", O_RDONLY | O_DIRECTORY);
  CALL("read(d)", syscall(SYS_read, directory, buffer, 1));
  CALL("write(d)", syscall(SYS_write, directory, "x", 1));
  CALL("ftruncate(d)", syscall(SYS_ftruncate, directory, 0));
  close(directory);
  const int writer = open("f", O_WRONLY);
  CALL("read(f opened O_WRONLY)", syscall(SYS_read, writer, buffer, 1));
  CALL("ftruncate(f, -1)", syscall(SYS_ftruncate, writer, -1L));
  close(writer);
  int pipe_fds[2];
  if (pipe(pipe_fds) == 0) {
    CALL("lseek(pipe)", syscall(SYS_lseek, pipe_fds[0], 0, SEEK_SET));
    CALL("pread64(pipe)", syscall(SYS_pread64, pipe_fds[0], buffer, 1, 0));
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  /* EMFILE at the process's limit (the kernel's is 32: the host's too). */
  const struct rlimit limit = {32, 32};
  setrlimit(RLIMIT_NOFILE, &limit);
  int opened = 0, last;
  int fds[64];
  errno = 0;
  while (opened < 64 && (last = open("f", O_RDONLY)) >= 0)
    fds[opened++] = last;
  printf("%-52s -> %s\n", "open until the limit", errno_name(errno));
  for (int i = 0; i < opened; ++i)
    close(fds[i]);

  /* metadata and links */
  CALL("stat(missing)", syscall(SYS_stat, "missing", buffer));
  CALL("stat(f/)", syscall(SYS_stat, "f/", buffer));
  CALL("stat(f/x)", syscall(SYS_stat, "f/x", buffer));
  CALL("newfstatat(999, f)", syscall(SYS_newfstatat, 999, "f", buffer, 0));
  CALL("newfstatat(AT_FDCWD, f, bad flag)", syscall(SYS_newfstatat, AT_FDCWD, "f", buffer, 0x4));
  CALL("newfstatat(AT_FDCWD, \"\", 0)", syscall(SYS_newfstatat, AT_FDCWD, "", buffer, 0));
  CALL("statfs(missing)", syscall(SYS_statfs, "missing", buffer));
  CALL("statfs(f/)", syscall(SYS_statfs, "f/", buffer));
  CALL("statfs(f)", syscall(SYS_statfs, "f", buffer));
  CALL("fstatfs(999)", syscall(SYS_fstatfs, 999, buffer));
  CALL("readlink(f)", syscall(SYS_readlink, "f", buffer, sizeof(buffer)));
  CALL("readlink(missing)", syscall(SYS_readlink, "missing", buffer, sizeof(buffer)));
  CALL("readlink(/proc/self, size 0)", syscall(SYS_readlink, "/proc/self", buffer, 0));
  CALL("access(missing, F_OK)", syscall(SYS_access, "missing", F_OK));
  CALL("access(f, X_OK)", syscall(SYS_access, "f", X_OK));
  CALL("access(f, W_OK)", syscall(SYS_access, "f", W_OK));
  CALL("access(f, 8): a bad mode", syscall(SYS_access, "f", 8));
  CALL("access(d, X_OK)", syscall(SYS_access, "d", X_OK));

  /* the working directory */
  CALL("chdir(missing)", syscall(SYS_chdir, "missing"));
  CALL("chdir(f)", syscall(SYS_chdir, "f"));
  CALL("getcwd(size 1)", syscall(SYS_getcwd, buffer, 1));

  /* changes */
  CALL("mkdir(d)", syscall(SYS_mkdir, "d", 0755));
  CALL("mkdir(f)", syscall(SYS_mkdir, "f", 0755));
  CALL("mkdir(f/x)", syscall(SYS_mkdir, "f/x", 0755));
  CALL("mkdir(missing/x)", syscall(SYS_mkdir, "missing/x", 0755));
  CALL("rmdir(d): not empty", syscall(SYS_rmdir, "d"));
  CALL("rmdir(f)", syscall(SYS_rmdir, "f"));
  CALL("rmdir(missing)", syscall(SYS_rmdir, "missing"));
  CALL("rmdir(empty/.)", syscall(SYS_rmdir, "empty/."));
  CALL("rmdir(d/e/..)", syscall(SYS_rmdir, "d/e/.."));
  CALL("unlink(d)", syscall(SYS_unlink, "d"));
  CALL("unlink(missing)", syscall(SYS_unlink, "missing"));
  CALL("unlink(f/)", syscall(SYS_unlink, "f/"));
  CALL("unlink(d/)", syscall(SYS_unlink, "d/"));
  CALL("unlink(d/e/..)", syscall(SYS_unlink, "d/e/.."));
  CALL("rmdir(f/)", syscall(SYS_rmdir, "f/"));
  CALL("mkdir(f/)", syscall(SYS_mkdir, "f/", 0755));
  CALL("rename(f/, x)", syscall(SYS_rename, "f/", "x"));
  CALL("rename(f, x/)", syscall(SYS_rename, "f", "x/"));
  CALL("unlinkat(AT_FDCWD, d, bad flag)", syscall(SYS_unlinkat, AT_FDCWD, "d", 0x1));
  CALL("rename(missing, x)", syscall(SYS_rename, "missing", "x"));
  CALL("rename(d, d/e/x): into itself", syscall(SYS_rename, "d", "d/e/x"));
  CALL("rename(f, d): a file over a directory", syscall(SYS_rename, "f", "d"));
  CALL("rename(empty, f): a directory over a file", syscall(SYS_rename, "empty", "f"));
  CALL("rename(empty, d): over a non-empty directory", syscall(SYS_rename, "empty", "d"));
  CALL("rename(f, f)", syscall(SYS_rename, "f", "f"));
  CALL("rename(f, missing/x)", syscall(SYS_rename, "f", "missing/x"));
  CALL("renameat2(f, empty, RENAME_NOREPLACE)",
       syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "empty", 1));
  CALL("renameat2(f, f, 99)", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "f", 99));
  CALL("chmod(missing)", syscall(SYS_chmod, "missing", 0600));
  CALL("chmod(f/)", syscall(SYS_chmod, "f/", 0600));
  CALL("fchmod(999)", syscall(SYS_fchmod, 999, 0600));
  CALL("fchmodat(999, f)", syscall(SYS_fchmodat, 999, "f", 0600));
  CALL("chmod(f, 04640)", syscall(SYS_chmod, "f", 04640));
  struct stat st;
  CALL("... then stat(f)'s permission bits", stat("f", &st) == 0 ? (long)(st.st_mode & 07777) : -1);
  const int chmod_fd = open("f", O_RDONLY);
  CALL("fchmod(f opened O_RDONLY, 0644)", syscall(SYS_fchmod, chmod_fd, 0644));
  close(chmod_fd);
  CALL("... then stat(f)'s permission bits", stat("f", &st) == 0 ? (long)(st.st_mode & 07777) : -1);
  CALL("truncate(d)", syscall(SYS_truncate, "d", 0));
  CALL("truncate(missing)", syscall(SYS_truncate, "missing", 0));
  CALL("truncate(f, -1)", syscall(SYS_truncate, "f", -1L));
  CALL("truncate(f, 2)", syscall(SYS_truncate, "f", 2));
  struct timespec bad_times[2] = {{0, 0}, {0, 1000000000}};
  CALL("utimensat(f, nsec 10^9)", syscall(SYS_utimensat, AT_FDCWD, "f", bad_times, 0));
  CALL("utimensat(missing)", syscall(SYS_utimensat, AT_FDCWD, "missing", NULL, 0));
  CALL("utimensat(f, bad flag)", syscall(SYS_utimensat, AT_FDCWD, "f", NULL, 0x4));
  CALL("utimensat(f, NULL)", syscall(SYS_utimensat, AT_FDCWD, "f", NULL, 0));

  /* The scratch directory goes. */
  unlink("f");
  rmdir("d/e");
  rmdir("d");
  rmdir("empty");
  if (chdir("/") != 0 || rmdir(scratch) != 0)
    perror("cleaning up");
  printf("fs_errors: done\n");
  return 0;
}

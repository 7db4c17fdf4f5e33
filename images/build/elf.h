/* The ELF dependency closure of host programs: what the dynamic loader would map to run them
 * on this host (the interpreter, every DT_NEEDED library, recursively), found the way ld.so
 * finds it. Read with libelf; only objects of the host's class and machine are accepted. */
#pragma once

#include <stddef.h>

struct zone_err;
struct zone_elf_closure;

/* An empty closure. ld_cache: the loader's cache to search (NULL: /etc/ld.so.cache; a
 * missing or unreadable cache means the default directories alone). NULL when out of memory. */
struct zone_elf_closure *zone_elf_closure_new(const char *ld_cache);
void zone_elf_closure_free(struct zone_elf_closure *c);

/* Adds path (a program, or a library the program dlopen()s) and everything it needs. A path
 * that is not ELF, or not the host's class and machine, is refused (-ENOEXEC); a library
 * that cannot be found is -ENOENT naming it and who needs it. */
int zone_elf_closure_add(struct zone_elf_closure *c, const char *path, struct zone_err **err);

/* The host paths of the closure, as found (possibly through symlinks: copying them keeps the
 * links), in the order they were found, each once. */
const char *const *zone_elf_closure_paths(const struct zone_elf_closure *c, size_t *ret_n);

/* 1 when path is an ELF object of the host's class and machine, 0 when it is not (not ELF,
 * another class or machine, too short), -errno when it cannot be opened. */
int zone_elf_is_host(const char *path);

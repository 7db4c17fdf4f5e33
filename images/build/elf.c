/* The ELF dependency closure, resolved as glibc's ld.so does (elf.h). Search order for a
 * DT_NEEDED name without a slash: DT_RPATH of the object and of every object that loaded it
 * (only while the object has no DT_RUNPATH), then DT_RUNPATH of the object itself, then
 * /etc/ld.so.cache, then the loader's default directories. LD_LIBRARY_PATH is not used: the
 * image must not depend on the builder's environment. */
#include "images/build/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "err.h"
#include "util.h"

#if defined(__x86_64__)
#define HOST_MACHINE    EM_X86_64
#define HOST_PLATFORM   "x86_64"
#define HOST_MULTIARCH  "x86_64-linux-gnu"
#define HOST_CACHE_FLAG 0x0300 /* FLAG_X8664_LIB64 */
#elif defined(__aarch64__)
#define HOST_MACHINE    EM_AARCH64
#define HOST_PLATFORM   "aarch64"
#define HOST_MULTIARCH  "aarch64-linux-gnu"
#define HOST_CACHE_FLAG 0x0a00 /* FLAG_AARCH64_LIB64 */
#else
#error "the ELF closure knows x86_64 and aarch64 hosts only"
#endif
#define HOST_CLASS ELFCLASS64

/* Debian's loader expands $LIB to the multiarch directory. */
#define HOST_LIB "lib/" HOST_MULTIARCH

static const char *const default_dirs[] = {
    "/lib/" HOST_MULTIARCH,
    "/usr/lib/" HOST_MULTIARCH,
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    NULL,
};

#define LD_CACHE_MAGIC "glibc-ld.so.cache1.1"
#define MAX_OBJECTS    4096

struct object {
        char *path;     /* as found */
        char *name;     /* the DT_NEEDED name it was found by; the path for a root */
        char **rpath;   /* expanded, NULL when none */
        char **runpath; /* expanded, NULL when none */
        bool has_runpath;
        long parent; /* the object that loaded it, -1 for a root */
};

struct zone_elf_closure {
        struct object *objs;
        size_t n_objs, cap_objs;
        char **paths; /* the result, NULL-terminated */
        char *cache_path;
        char *cache; /* the loader's cache, mapped; NULL when absent */
        size_t cache_len;
        bool cache_tried;
};

struct zone_elf_closure *zone_elf_closure_new(const char *ld_cache)
{
        struct zone_elf_closure *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->cache_path = strdup(ld_cache ? ld_cache : "/etc/ld.so.cache");
        if (!c->cache_path) {
                free(c);
                return NULL;
        }
        return c;
}

void zone_elf_closure_free(struct zone_elf_closure *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_objs; i++) {
                free(c->objs[i].path);
                free(c->objs[i].name);
                strv_free(c->objs[i].rpath);
                strv_free(c->objs[i].runpath);
        }
        free(c->objs);
        strv_free(c->paths);
        if (c->cache)
                munmap(c->cache, c->cache_len);
        free(c->cache_path);
        free(c);
}

const char *const *zone_elf_closure_paths(const struct zone_elf_closure *c, size_t *ret_n)
{
        if (ret_n)
                *ret_n = strv_length(c->paths);
        static const char *const empty[] = {NULL};
        return c->paths ? (const char *const *)c->paths : empty;
}

static int add_path(struct zone_elf_closure *c, const char *path)
{
        for (size_t i = 0; c->paths && c->paths[i]; i++)
                if (strcmp(c->paths[i], path) == 0)
                        return 0;
        return strv_append(&c->paths, path);
}

static void elf_endp(Elf **e)
{
        if (*e)
                elf_end(*e);
}

/* What the closure needs from one object. */
struct elf_info {
        char *interp;
        char **needed;
        char *rpath, *runpath;
};

static void elf_info_clear(struct elf_info *i)
{
        free(i->interp);
        strv_free(i->needed);
        free(i->rpath);
        free(i->runpath);
        memset(i, 0, sizeof(*i));
}

/* 1: an ELF of the host's class and machine (Elf handle in *ret), 0: not one. */
static int open_host_elf(int fd, Elf **ret)
{
        *ret = NULL;
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -ENOSYS;
        Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!e)
                return 0;
        GElf_Ehdr eh;
        if (elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != HOST_CLASS || !gelf_getehdr(e, &eh) ||
            eh.e_machine != HOST_MACHINE || (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)) {
                elf_end(e);
                return 0;
        }
        *ret = e;
        return 1;
}

int zone_elf_is_host(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0;
        Elf *e = NULL;
        int r = open_host_elf(fd, &e);
        if (e)
                elf_end(e);
        return r;
}

static int read_elf(const char *path, struct elf_info *info, struct zone_err **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open %s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return zone_err_sys(err, -errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return zone_err_set(err, -ENOEXEC, "%s: not a regular file", path);
        __attribute__((cleanup(elf_endp))) Elf *e = NULL;
        int r = open_host_elf(fd, &e);
        if (r < 0)
                return zone_err_sys(err, r, "libelf on %s", path);
        if (r == 0)
                return zone_err_set(err, -ENOEXEC,
                                    "%s: not an ELF program or library of this host (%s)", path,
                                    HOST_PLATFORM);

        size_t raw_len = 0;
        const char *raw = elf_rawfile(e, &raw_len);
        size_t nph = 0;
        if (elf_getphdrnum(e, &nph) != 0)
                return zone_err_set(err, -ENOEXEC, "%s: bad program headers: %s", path,
                                    elf_errmsg(-1));
        for (size_t i = 0; i < nph; i++) {
                GElf_Phdr ph;
                if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_INTERP)
                        continue;
                if (!raw || ph.p_offset >= raw_len || ph.p_filesz == 0 ||
                    ph.p_filesz > raw_len - ph.p_offset ||
                    memchr(raw + ph.p_offset, '\0', ph.p_filesz) == NULL)
                        return zone_err_set(err, -ENOEXEC, "%s: bad PT_INTERP", path);
                info->interp = strdup(raw + ph.p_offset);
                if (!info->interp)
                        return zone_err_set(err, -ENOMEM, "read %s", path);
        }

        /* The dynamic section, found through the section headers (present in every object a
         * distribution ships, stripped or not). */
        Elf_Scn *scn = NULL;
        while ((scn = elf_nextscn(e, scn)) != NULL) {
                GElf_Shdr sh;
                if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
                        continue;
                Elf_Data *data = elf_getdata(scn, NULL);
                if (!data || sh.sh_entsize == 0)
                        break;
                size_t n = sh.sh_size / sh.sh_entsize;
                for (size_t k = 0; k < n; k++) {
                        GElf_Dyn dyn;
                        if (!gelf_getdyn(data, (int)k, &dyn) || dyn.d_tag == DT_NULL)
                                break;
                        if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH &&
                            dyn.d_tag != DT_RUNPATH)
                                continue;
                        const char *s = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
                        if (!s)
                                return zone_err_set(err, -ENOEXEC,
                                                    "%s: bad string in the dynamic section", path);
                        char **slot = dyn.d_tag == DT_RPATH     ? &info->rpath
                                      : dyn.d_tag == DT_RUNPATH ? &info->runpath
                                                                : NULL;
                        if (slot) {
                                free(*slot);
                                *slot = strdup(s);
                                if (!*slot)
                                        return zone_err_set(err, -ENOMEM, "read %s", path);
                        } else if (strv_append(&info->needed, s) < 0) {
                                return zone_err_set(err, -ENOMEM, "read %s", path);
                        }
                }
                break;
        }
        return 0;
}

/* Appends s[0..len) to buf at *pos; false when it does not fit. */
static bool put(char *buf, size_t *pos, const char *s, size_t len)
{
        if (*pos + len >= PATH_MAX)
                return false;
        memcpy(buf + *pos, s, len);
        *pos += len;
        buf[*pos] = '\0';
        return true;
}

/* Expands $ORIGIN, $LIB and $PLATFORM (bare or in braces) in one search path element; false
 * for an unknown token, which makes ld.so ignore the element. */
static bool expand(const char *elem, size_t len, const char *origin, char out[PATH_MAX])
{
        static const struct {
                const char *name;
                const char *value;
        } tokens[] = {{"ORIGIN", NULL}, {"LIB", HOST_LIB}, {"PLATFORM", HOST_PLATFORM}};
        size_t pos = 0;
        out[0] = '\0';
        for (size_t i = 0; i < len;) {
                if (elem[i] != '$') {
                        if (!put(out, &pos, elem + i, 1))
                                return false;
                        i++;
                        continue;
                }
                bool brace = i + 1 < len && elem[i + 1] == '{';
                size_t start = i + 1 + brace;
                bool found = false;
                for (size_t t = 0; t < ARRAY_SIZE(tokens) && !found; t++) {
                        size_t tl = strlen(tokens[t].name);
                        if (start + tl > len || strncmp(elem + start, tokens[t].name, tl) != 0)
                                continue;
                        size_t end = start + tl;
                        if (brace) {
                                if (end >= len || elem[end] != '}')
                                        continue;
                                end++;
                        } else if (end < len &&
                                   (elem[end] == '_' || (elem[end] >= 'A' && elem[end] <= 'Z') ||
                                    (elem[end] >= 'a' && elem[end] <= 'z') ||
                                    (elem[end] >= '0' && elem[end] <= '9'))) {
                                continue;
                        }
                        const char *v = tokens[t].value ? tokens[t].value : origin;
                        if (!put(out, &pos, v, strlen(v)))
                                return false;
                        i = end;
                        found = true;
                }
                if (!found)
                        return false;
        }
        return pos > 0;
}

/* Splits a DT_RPATH/DT_RUNPATH value on ':' and expands each element. */
static int expand_search_path(const char *value, const char *origin, char ***ret)
{
        *ret = NULL;
        if (!value)
                return 0;
        const char *p = value;
        for (;;) {
                const char *colon = strchr(p, ':');
                size_t len = colon ? (size_t)(colon - p) : strlen(p);
                char dir[PATH_MAX];
                /* An empty element means the current directory, which an image cannot have a
                 * meaning for at build time: skipped. */
                if (len > 0 && expand(p, len, origin, dir) && strv_append(ret, dir) < 0)
                        return -ENOMEM;
                if (!colon)
                        break;
                p = colon + 1;
        }
        if (!*ret) /* present but nothing usable: still "has a search path" */
                return strv_append(ret, "") < 0 ? -ENOMEM : 0;
        return 0;
}

static bool host_lib_at(const char *path)
{
        return zone_elf_is_host(path) == 1;
}

static const char *search_dirs(char *const *dirs, const char *name, char out[PATH_MAX])
{
        for (size_t i = 0; dirs && dirs[i]; i++) {
                if (!dirs[i][0])
                        continue;
                if (snprintf(out, PATH_MAX, "%s/%s", dirs[i], name) >= PATH_MAX)
                        continue;
                if (host_lib_at(out))
                        return out;
        }
        return NULL;
}

static void load_cache(struct zone_elf_closure *c)
{
        if (c->cache_tried)
                return;
        c->cache_tried = true;
        _cleanup_close_ int fd = open(c->cache_path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 48 ||
            st.st_size > 64 * 1024 * 1024)
                return;
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED)
                return;
        if (memcmp(m, LD_CACHE_MAGIC, strlen(LD_CACHE_MAGIC)) != 0) {
                /* The old format (before glibc 2.32 by default) is not read: the default
                 * directories still apply. */
                munmap(m, (size_t)st.st_size);
                return;
        }
        c->cache = m;
        c->cache_len = (size_t)st.st_size;
}

/* glibc's cache format "1.1": a 48-byte header (magic, nlibs, string table length, flags,
 * extension offset), then nlibs entries of {int32 flags, uint32 key, uint32 value, uint32,
 * uint64 hwcap}; key and value are offsets of NUL-terminated strings from the file's start. */
static const char *search_cache(struct zone_elf_closure *c, const char *name, char out[PATH_MAX])
{
        load_cache(c);
        if (!c->cache)
                return NULL;
        const unsigned char *base = (const unsigned char *)c->cache;
        uint32_t nlibs;
        memcpy(&nlibs, base + 20, sizeof(nlibs));
        size_t entries = 48, esize = 24;
        if (nlibs > (c->cache_len - entries) / esize)
                return NULL;
        for (uint32_t i = 0; i < nlibs; i++) {
                const unsigned char *ent = base + entries + (size_t)i * esize;
                int32_t flags;
                uint32_t key, value;
                memcpy(&flags, ent, 4);
                memcpy(&key, ent + 4, 4);
                memcpy(&value, ent + 8, 4);
                /* FLAG_ELF_LIBC6 and the host's library flavour. */
                if ((flags & 0xff) != 0x03 || (flags & 0xff00) != HOST_CACHE_FLAG)
                        continue;
                if (key >= c->cache_len || value >= c->cache_len ||
                    !memchr(base + key, '\0', c->cache_len - key) ||
                    !memchr(base + value, '\0', c->cache_len - value))
                        continue;
                if (strcmp((const char *)base + key, name) != 0)
                        continue;
                if (strlen((const char *)base + value) >= PATH_MAX)
                        continue;
                strcpy(out, (const char *)base + value);
                if (host_lib_at(out))
                        return out;
        }
        return NULL;
}

static const char *resolve(struct zone_elf_closure *c, long idx, const char *name,
                           char out[PATH_MAX])
{
        if (strchr(name, '/'))
                return host_lib_at(name) && strlen(name) < PATH_MAX ? strcpy(out, name) : NULL;
        const struct object *o = &c->objs[idx];
        if (!o->has_runpath) {
                /* DT_RPATH of the object, then of its loaders up to the program. */
                for (long i = idx; i >= 0; i = c->objs[i].parent) {
                        if (c->objs[i].has_runpath && i != idx)
                                continue;
                        if (search_dirs(c->objs[i].rpath, name, out))
                                return out;
                }
        }
        if (o->has_runpath && search_dirs(o->runpath, name, out))
                return out;
        if (search_cache(c, name, out))
                return out;
        return search_dirs((char *const *)default_dirs, name, out) ? out : NULL;
}

static int dirname_of(const char *path, bool real, char out[PATH_MAX])
{
        char buf[PATH_MAX];
        if (real) {
                if (!realpath(path, buf))
                        return -errno;
        } else {
                if (strlen(path) >= PATH_MAX)
                        return -ENAMETOOLONG;
                strcpy(buf, path);
        }
        char *slash = strrchr(buf, '/');
        if (!slash)
                strcpy(out, ".");
        else if (slash == buf)
                strcpy(out, "/");
        else {
                *slash = '\0';
                strcpy(out, buf);
        }
        return 0;
}

/* Appends an object; its search paths are expanded with its own $ORIGIN. */
static long add_object(struct zone_elf_closure *c, const char *path, const char *name, long parent,
                       const struct elf_info *info, struct zone_err **err)
{
        if (c->n_objs >= MAX_OBJECTS)
                return zone_err_set(err, -E2BIG, "%s: more than %d libraries", path, MAX_OBJECTS);
        if (c->n_objs == c->cap_objs) {
                size_t cap = c->cap_objs ? c->cap_objs * 2 : 32;
                struct object *n = realloc(c->objs, cap * sizeof(*n));
                if (!n)
                        return zone_err_set(err, -ENOMEM, "closure of %s", path);
                c->objs = n;
                c->cap_objs = cap;
        }
        /* The program's $ORIGIN is its real directory (the kernel's view of the executable);
         * a library's is the directory it was found in. */
        char origin[PATH_MAX];
        int r = dirname_of(path, parent < 0, origin);
        if (r < 0)
                return zone_err_sys(err, r, "resolve %s", path);
        struct object *o = &c->objs[c->n_objs];
        *o = (struct object){.parent = parent, .has_runpath = info->runpath != NULL};
        o->path = strdup(path);
        o->name = strdup(name);
        if (!o->path || !o->name || expand_search_path(info->rpath, origin, &o->rpath) < 0 ||
            expand_search_path(info->runpath, origin, &o->runpath) < 0) {
                free(o->path);
                free(o->name);
                strv_free(o->rpath);
                strv_free(o->runpath);
                return zone_err_set(err, -ENOMEM, "closure of %s", path);
        }
        return (long)c->n_objs++;
}

static bool have_name(const struct zone_elf_closure *c, const char *name)
{
        for (size_t i = 0; i < c->n_objs; i++)
                if (strcmp(c->objs[i].name, name) == 0 || strcmp(c->objs[i].path, name) == 0)
                        return true;
        return false;
}

static int add_interp(struct zone_elf_closure *c, const char *interp, const char *who,
                      struct zone_err **err)
{
        if (interp[0] != '/')
                return zone_err_set(err, -ENOEXEC, "%s: relative PT_INTERP \"%s\"", who, interp);
        if (!host_lib_at(interp))
                return zone_err_set(err, -ENOENT, "%s: its loader %s is missing or not ELF", who,
                                    interp);
        return add_path(c, interp) < 0 ? zone_err_set(err, -ENOMEM, "closure of %s", who) : 0;
}

int zone_elf_closure_add(struct zone_elf_closure *c, const char *path, struct zone_err **err)
{
        if (have_name(c, path))
                return 0;
        struct elf_info info = {0};
        int r = read_elf(path, &info, err);
        if (r < 0)
                return r;
        size_t first = c->n_objs;
        long idx = add_object(c, path, path, -1, &info, err);
        if (idx >= 0 && info.interp) {
                int ri = add_interp(c, info.interp, path, err);
                if (ri < 0)
                        idx = ri;
        }
        if (idx >= 0 && add_path(c, path) < 0)
                idx = zone_err_set(err, -ENOMEM, "closure of %s", path);
        _cleanup_strv_ char **needed = steal_pointer(&info.needed);
        elf_info_clear(&info);
        if (idx < 0)
                return (int)idx;
        /* Breadth first, as ld.so loads: each object's needs are resolved with its own and
         * its loaders' search paths; a name already loaded is not looked up again. The needs
         * of object i are read when i is reached, so keep them per object in a side list. */
        char ***pending = calloc(MAX_OBJECTS, sizeof(char **));
        if (!pending)
                return zone_err_set(err, -ENOMEM, "closure of %s", path);
        pending[first] = steal_pointer(&needed);
        r = 0;
        for (size_t i = first; i < c->n_objs && r == 0; i++) {
                for (size_t k = 0; pending[i] && pending[i][k] && r == 0; k++) {
                        const char *name = pending[i][k];
                        if (have_name(c, name))
                                continue;
                        char found[PATH_MAX];
                        if (!resolve(c, (long)i, name, found)) {
                                r = zone_err_set(err, -ENOENT, "%s needs %s, not found",
                                                 c->objs[i].path, name);
                                break;
                        }
                        struct elf_info li = {0};
                        r = read_elf(found, &li, err);
                        if (r < 0)
                                break;
                        long j = add_object(c, found, name, (long)i, &li, err);
                        if (j >= 0 && li.interp) {
                                int ri = add_interp(c, li.interp, found, err);
                                if (ri < 0)
                                        j = ri;
                        }
                        if (j >= 0 && add_path(c, found) < 0)
                                j = zone_err_set(err, -ENOMEM, "closure of %s", path);
                        if (j < 0) {
                                elf_info_clear(&li);
                                r = (int)j;
                                break;
                        }
                        pending[j] = steal_pointer(&li.needed);
                        elf_info_clear(&li);
                }
        }
        for (size_t i = first; i < c->n_objs; i++)
                strv_free(pending[i]);
        free(pending);
        return r;
}

/* The net root: network definitions and leases as small JSON files, replaced atomically
 * (temporary file and rename) under an flock on the root's lock file. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "netns/internal.h"
#include "util.h"

#define NET_FILE_MAX (4u << 20)

const char *zone_net_root(const char *root)
{
        if (root && *root)
                return root;
        const char *env = getenv("ZONE_NET_ROOT");
        return env && *env ? env : ZONE_NET_DEFAULT_ROOT;
}

const char *zone_ipv4_str(uint32_t addr, char *buf)
{
        struct in_addr a = {.s_addr = htonl(addr)};
        return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

int zone_cidr_parse(const char *s, bool strict, uint32_t *ret_addr, int *ret_prefix,
                    struct zone_err **err)
{
        const char *slash = s ? strchr(s, '/') : NULL;
        char ip[INET_ADDRSTRLEN];
        struct in_addr a;
        if (!slash || (size_t)(slash - s) >= sizeof(ip))
                return zone_err_set(err, -EINVAL, "malformed CIDR \"%s\": expected A.B.C.D/N",
                                    s ? s : "");
        memcpy(ip, s, slash - s);
        ip[slash - s] = '\0';
        char *end;
        errno = 0;
        long p = strtol(slash + 1, &end, 10);
        if (inet_pton(AF_INET, ip, &a) != 1 || !slash[1] || *end || errno || p < 0 || p > 32)
                return zone_err_set(err, -EINVAL, "malformed CIDR \"%s\": expected A.B.C.D/N", s);
        uint32_t addr = ntohl(a.s_addr);
        uint32_t mask = p ? ~0u << (32 - p) : 0;
        if (strict && (addr & ~mask))
                return zone_err_set(
                    err, -EINVAL,
                    "malformed CIDR \"%s\": host bits are set (the network is %s/%ld)", s,
                    zone_ipv4_str(addr & mask, ip), p);
        *ret_addr = addr;
        *ret_prefix = (int)p;
        return 0;
}

int net_name_validate(const char *name, struct zone_err **err)
{
        size_t len = name ? strlen(name) : 0;
        if (len == 0 || len >= ZONE_NET_NAME_MAX || name[0] == '.' || name[0] == '-')
                return zone_err_set(err, -EINVAL,
                                    "network name \"%s\": 1 to %d characters, not starting "
                                    "with '.' or '-'",
                                    name ? name : "", ZONE_NET_NAME_MAX - 1);
        for (size_t i = 0; i < len; i++) {
                char c = name[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.'))
                        return zone_err_set(err, -EINVAL,
                                            "network name \"%s\": only letters, digits, '-', "
                                            "'_' and '.'",
                                            name);
        }
        return 0;
}

uint64_t net_ns_ino(const char *path)
{
        struct stat st;
        return path && stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static int mkdir_p(const char *path)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int net_store_open(const char *root, bool create, struct net_store *ret, struct zone_err **err)
{
        root = zone_net_root(root);
        *ret = (struct net_store){.dirfd = -1, .lockfd = -1, .root = root};
        if (create) {
                int r = mkdir_p(root);
                if (r < 0)
                        return zone_err_sys(err, r, "make the net root %s", root);
        }
        _cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "open the net root %s", root);
        const char *subs[] = {"networks", "leases"};
        for (size_t i = 0; create && i < ARRAY_SIZE(subs); i++)
                if (mkdirat(dfd, subs[i], 0755) < 0 && errno != EEXIST)
                        return zone_err_sys(err, -errno, "make %s/%s", root, subs[i]);
        _cleanup_close_ int lfd =
            openat(dfd, "lock", (create ? O_CREAT : 0) | O_RDWR | O_CLOEXEC, 0600);
        if (lfd < 0)
                return zone_err_sys(err, -errno, "open %s/lock", root);
        while (flock(lfd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return zone_err_sys(err, -errno, "lock %s/lock", root);
        ret->dirfd = steal_fd(&dfd);
        ret->lockfd = steal_fd(&lfd);
        return 0;
}

void net_store_close(struct net_store *s)
{
        closep(&s->dirfd);
        closep(&s->lockfd);
}

static void gs(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static int gen_write(struct net_store *s, yajl_gen g, const char *path, struct zone_err **err)
{
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        int r = write_file_atomic_at(s->dirfd, path, buf, len, 0644);
        yajl_gen_free(g);
        return r < 0 ? zone_err_sys(err, r, "write %s/%s", s->root, path) : 0;
}

/* Replaces leases/NAME.json through a spare file kept beside it (leases/.NAME.json.spare): the
 * spare is overwritten in place and exchanged with the file (renameat2 RENAME_EXCHANGE), so
 * no inode is made or freed. On a file system that discards freed blocks (ext4 -o discard)
 * making and freeing a small file costs ~0.5 ms each, on every zone start and stop. Readers
 * hold the lock, so the spare's content (the previous list) is never read. */
static int leases_replace(struct net_store *s, const char *network, const unsigned char *buf,
                          size_t len, struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 32], spare[ZONE_NET_NAME_MAX + 40];
        snprintf(path, sizeof(path), "leases/%s.json", network);
        snprintf(spare, sizeof(spare), "leases/.%s.json.spare", network);
        _cleanup_close_ int fd =
            openat(s->dirfd, spare, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return zone_err_sys(err, -errno, "write %s/%s", s->root, spare);
        int r = 0;
        for (size_t off = 0; off < len && r == 0;) {
                ssize_t n = pwrite(fd, buf + off, len - off, (off_t)off);
                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        off += (size_t)n;
        }
        if (r == 0 && ftruncate(fd, (off_t)len) < 0)
                r = -errno;
        if (r == 0 && close(steal_fd(&fd)) < 0)
                r = -errno;
        if (r == 0 && renameat2(s->dirfd, spare, s->dirfd, path, RENAME_EXCHANGE) < 0) {
                r = -errno;
                /* The first list of the network: the spare becomes it. */
                if (r == -ENOENT)
                        r = renameat(s->dirfd, spare, s->dirfd, path) < 0 ? -errno : 0;
        }
        return r < 0 ? zone_err_sys(err, r, "write %s/%s", s->root, path) : 0;
}

int net_leases_unlink(struct net_store *s, const char *network, struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 40];
        const char *fmt[] = {"leases/%s.json", "leases/.%s.json.spare"};
        for (size_t i = 0; i < ARRAY_SIZE(fmt); i++) {
                snprintf(path, sizeof(path), fmt[i], network);
                if (unlinkat(s->dirfd, path, 0) < 0 && errno != ENOENT)
                        return zone_err_sys(err, -errno, "remove %s/%s", s->root, path);
        }
        return 0;
}

/* Parses dirfd/path; -ENOENT without a message when it does not exist. */
static int read_tree(struct net_store *s, const char *path, yajl_val *ret, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(s->dirfd, path, NET_FILE_MAX, &text, &len);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return zone_err_sys(err, r, "read %s/%s", s->root, path);
        char msg[256];
        *ret = yajl_tree_parse(text, msg, sizeof(msg));
        if (!*ret || !YAJL_IS_OBJECT(*ret)) {
                yajl_tree_free(*ret);
                return zone_err_set(err, -EINVAL, "%s/%s: not a JSON object", s->root, path);
        }
        return 0;
}

static const char *tstr(yajl_val v, const char *key)
{
        const char *path[] = {key, NULL};
        yajl_val x = yajl_tree_get(v, path, yajl_t_string);
        return x ? YAJL_GET_STRING(x) : NULL;
}

static uint64_t tnum(yajl_val v, const char *key)
{
        const char *path[] = {key, NULL};
        yajl_val x = yajl_tree_get(v, path, yajl_t_number);
        return x && YAJL_IS_INTEGER(x) ? (uint64_t)YAJL_GET_INTEGER(x) : 0;
}

static int ipv4_parse(const char *s, uint32_t *ret)
{
        struct in_addr a;
        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = ntohl(a.s_addr);
        return 0;
}

int net_network_read(struct net_store *s, const char *name, struct zone_network *ret,
                     struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 32];
        snprintf(path, sizeof(path), "networks/%s.json", name);
        yajl_val v = NULL;
        int r = read_tree(s, path, &v, err);
        if (r == -ENOENT)
                return zone_err_set(err, r, "network %s does not exist (zone net ls lists them)",
                                    name);
        if (r < 0)
                return r;
        *ret = (struct zone_network){0};
        const char *bridge = tstr(v, "bridge"), *subnet = tstr(v, "subnet"),
                   *gw = tstr(v, "gateway");
        r = 0;
        if (!bridge || strlen(bridge) >= ZONE_IFNAMSIZ || !gw ||
            ipv4_parse(gw, &ret->gateway) < 0 ||
            zone_cidr_parse(subnet, true, &ret->subnet, &ret->prefix, NULL) < 0)
                r = zone_err_set(err, -EINVAL, "%s/%s: bad network definition", s->root, path);
        else {
                snprintf(ret->name, sizeof(ret->name), "%s", name);
                snprintf(ret->bridge, sizeof(ret->bridge), "%s", bridge);
        }
        yajl_tree_free(v);
        return r;
}

int net_network_write(struct net_store *s, const struct zone_network *n, struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 32], a[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
        snprintf(path, sizeof(path), "networks/%s.json", n->name);
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return zone_err_sys(err, -ENOMEM, "write network %s", n->name);
        yajl_gen_map_open(g);
        gs(g, "name");
        gs(g, n->name);
        gs(g, "bridge");
        gs(g, n->bridge);
        gs(g, "subnet");
        snprintf(cidr, sizeof(cidr), "%s/%d", zone_ipv4_str(n->subnet, a), n->prefix);
        gs(g, cidr);
        gs(g, "gateway");
        gs(g, zone_ipv4_str(n->gateway, a));
        yajl_gen_map_close(g);
        return gen_write(s, g, path, err);
}

int net_network_unlink(struct net_store *s, const char *name, struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 32];
        snprintf(path, sizeof(path), "networks/%s.json", name);
        if (unlinkat(s->dirfd, path, 0) < 0 && errno != ENOENT)
                return zone_err_sys(err, -errno, "remove %s/%s", s->root, path);
        return 0;
}

static int cmp_network(const void *a, const void *b)
{
        return strcmp(((const struct zone_network *)a)->name,
                      ((const struct zone_network *)b)->name);
}

int net_network_list(struct net_store *s, struct zone_network **ret, size_t *ret_n,
                     struct zone_err **err)
{
        *ret = NULL;
        *ret_n = 0;
        int fd = openat(s->dirfd, "networks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return 0;
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                return zone_err_sys(err, r, "list %s/networks", s->root);
        }
        struct zone_network *list = NULL;
        size_t n = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0 ||
                    len - 5 >= ZONE_NET_NAME_MAX)
                        continue;
                char name[ZONE_NET_NAME_MAX];
                snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
                struct zone_network *grown = realloc(list, (n + 1) * sizeof(*list));
                if (!grown) {
                        r = zone_err_sys(err, -ENOMEM, "list networks");
                        break;
                }
                list = grown;
                if ((r = net_network_read(s, name, &list[n], err)) < 0)
                        break;
                n++;
        }
        closedir(d);
        if (r < 0) {
                free(list);
                return r;
        }
        if (n)
                qsort(list, n, sizeof(*list), cmp_network);
        *ret = list;
        *ret_n = n;
        return 0;
}

void zone_leases_free(struct zone_lease *l, size_t n)
{
        for (size_t i = 0; l && i < n; i++) {
                free(l[i].id);
                free(l[i].name);
                free(l[i].netns);
                free(l[i].rootfs);
        }
        free(l);
}

bool zone_lease_alive(const struct zone_lease *l)
{
        return l->netns && l->netns_ino && net_ns_ino(l->netns) == l->netns_ino;
}

int net_leases_read(struct net_store *s, const char *network, struct zone_lease **ret,
                    size_t *ret_n, struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 32];
        snprintf(path, sizeof(path), "leases/%s.json", network);
        *ret = NULL;
        *ret_n = 0;
        yajl_val v = NULL;
        int r = read_tree(s, path, &v, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        const char *lp[] = {"leases", NULL};
        yajl_val arr = yajl_tree_get(v, lp, yajl_t_array);
        size_t n = arr ? YAJL_GET_ARRAY(arr)->len : 0;
        struct zone_lease *l = calloc(n ? n : 1, sizeof(*l));
        if (!l) {
                yajl_tree_free(v);
                return zone_err_sys(err, -ENOMEM, "read %s/%s", s->root, path);
        }
        for (size_t i = 0; i < n && r >= 0; i++) {
                yajl_val e = YAJL_GET_ARRAY(arr)->values[i];
                const char *id = tstr(e, "id"), *name = tstr(e, "name"), *veth = tstr(e, "veth"),
                           *netns = tstr(e, "netns"), *rootfs = tstr(e, "rootfs");
                if (!id || !veth || strlen(veth) >= ZONE_IFNAMSIZ ||
                    ipv4_parse(tstr(e, "addr"), &l[i].addr) < 0) {
                        r = zone_err_set(err, -EINVAL, "%s/%s: bad lease %zu", s->root, path, i);
                        break;
                }
                l[i].id = strdup(id);
                l[i].name = strdup(name ? name : id);
                l[i].netns = netns ? strdup(netns) : NULL;
                l[i].rootfs = rootfs ? strdup(rootfs) : NULL;
                snprintf(l[i].veth, sizeof(l[i].veth), "%s", veth);
                l[i].netns_ino = tnum(e, "netns_ino");
                l[i].host_ino = tnum(e, "host_ino");
                /* A lease written before "nat" existed: its zone had an egress rule. */
                const char *np[] = {"nat", NULL};
                l[i].nat = !YAJL_IS_FALSE(yajl_tree_get(e, np, yajl_t_any));
                if (!l[i].id || !l[i].name || (netns && !l[i].netns) || (rootfs && !l[i].rootfs))
                        r = zone_err_sys(err, -ENOMEM, "read %s/%s", s->root, path);
        }
        yajl_tree_free(v);
        if (r < 0) {
                zone_leases_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int net_leases_write(struct net_store *s, const char *network, const struct zone_lease *l, size_t n,
                     struct zone_err **err)
{
        char path[ZONE_NET_NAME_MAX + 32], a[INET_ADDRSTRLEN];
        snprintf(path, sizeof(path), "leases/%s.json", network);
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return zone_err_sys(err, -ENOMEM, "write %s/%s", s->root, path);
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_map_open(g);
        gs(g, "leases");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n; i++) {
                yajl_gen_map_open(g);
                gs(g, "id");
                gs(g, l[i].id);
                gs(g, "name");
                gs(g, l[i].name ? l[i].name : l[i].id);
                gs(g, "addr");
                gs(g, zone_ipv4_str(l[i].addr, a));
                gs(g, "veth");
                gs(g, l[i].veth);
                if (l[i].netns) {
                        gs(g, "netns");
                        gs(g, l[i].netns);
                }
                gs(g, "netns_ino");
                yajl_gen_integer(g, (long long)l[i].netns_ino);
                gs(g, "host_ino");
                yajl_gen_integer(g, (long long)l[i].host_ino);
                gs(g, "nat");
                yajl_gen_bool(g, l[i].nat);
                if (l[i].rootfs) {
                        gs(g, "rootfs");
                        gs(g, l[i].rootfs);
                }
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        int r = leases_replace(s, network, buf, len, err);
        yajl_gen_free(g);
        return r;
}

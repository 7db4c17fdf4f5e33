/* Egress NAT and published ports in the nftables table "inet zone" (see nat.h and
 * netns/README.md). Rules are written as nft text and run through libnftables, one
 * transaction per change; the table is read back as JSON to find a zone's rules by comment. */
#include "netns/nat.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <nftables/libnftables.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "util.h"

#define NAT_TABLE      "inet zone"
#define NAT_TABLE_NAME "zone"
#define NAT_SET        "published"
#define NAT_LOCK_DIR   "/run/zone"
#define NAT_LOCK       NAT_LOCK_DIR "/nat.lock"

static const char *proto_name(int proto)
{
        return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* ---- zone_port_parse ---- */

/* A decimal port 1-65535 from [s, s+len): no sign, no spaces. */
static bool parse_port(const char *s, size_t len, uint16_t *ret)
{
        if (len == 0 || len > 5)
                return false;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v < 1 || v > 65535)
                return false;
        *ret = (uint16_t)v;
        return true;
}

/* The spec as shown in a one-line message: control characters replaced. */
static char *shown_spec(const char *spec)
{
        char *s = strdup(spec);
        for (char *q = s; q && *q; q++)
                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                        *q = '?';
        return s;
}

#define PORT_SYNTAX "[HOSTIP:]HOSTPORT:ZONEPORT[/tcp|udp]"

int zone_port_parse(const char *spec, struct zone_port *ret, struct zone_err **err)
{
        if (!spec)
                spec = "";
        _cleanup_free_ char *shown = shown_spec(spec);
        const char *q = shown ? shown : "?";
        struct zone_port p = {.proto = IPPROTO_TCP};

        const char *s = spec, *end = spec + strlen(spec);
        const char *slash = strchr(spec, '/');
        if (slash) {
                if (strcmp(slash + 1, "tcp") == 0)
                        p.proto = IPPROTO_TCP;
                else if (strcmp(slash + 1, "udp") == 0)
                        p.proto = IPPROTO_UDP;
                else
                        return zone_err_set(err, -EINVAL,
                                            "published port \"%s\": unknown protocol \"%s\" "
                                            "(expected tcp or udp)",
                                            q, q + (slash + 1 - spec));
                end = slash;
        }

        /* The host address: bracketed IPv6, or IPv4 up to the second-to-last colon. */
        char host[INET6_ADDRSTRLEN] = "";
        int family = 0;
        if (*s == '[') {
                const char *close = memchr(s, ']', (size_t)(end - s));
                if (!close || close + 1 >= end || close[1] != ':')
                        return zone_err_set(err, -EINVAL,
                                            "published port \"%s\": expected " PORT_SYNTAX
                                            " with an IPv6 address in brackets",
                                            q);
                size_t n = (size_t)(close - s - 1);
                if (n == 0 || n >= sizeof(host))
                        return zone_err_set(err, -EINVAL,
                                            "published port \"%s\": invalid IPv6 address", q);
                memcpy(host, s + 1, n);
                host[n] = '\0';
                family = AF_INET6;
                s = close + 2;
        } else {
                const char *c1 = memchr(s, ':', (size_t)(end - s));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
                if (c2) {
                        size_t n = (size_t)(c1 - s);
                        if (n == 0 || n >= sizeof(host) ||
                            memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
                                return zone_err_set(err, -EINVAL,
                                                    "published port \"%s\": expected " PORT_SYNTAX
                                                    " (an IPv6 address goes in brackets)",
                                                    q);
                        memcpy(host, s, n);
                        host[n] = '\0';
                        family = AF_INET;
                        s = c1 + 1;
                }
        }
        if (family) {
                unsigned char bin[sizeof(struct in6_addr)];
                if (inet_pton(family, host, bin) != 1)
                        return zone_err_set(err, -EINVAL,
                                            "published port \"%s\": invalid %s host address "
                                            "\"%s\"",
                                            q, family == AF_INET ? "IPv4" : "IPv6", host);
                static const unsigned char any[sizeof(struct in6_addr)];
                size_t alen = family == AF_INET ? 4 : 16;
                /* 0.0.0.0 and :: mean every address, as no address does. */
                if (memcmp(bin, any, alen) == 0)
                        host[0] = '\0';
                else if (!inet_ntop(family, bin, host, sizeof(host)))
                        return zone_err_sys(err, -errno, "published port \"%s\": format address",
                                            q);
        }

        const char *colon = memchr(s, ':', (size_t)(end - s));
        if (!colon)
                return zone_err_set(err, -EINVAL, "published port \"%s\": expected " PORT_SYNTAX,
                                    q);
        if (!parse_port(s, (size_t)(colon - s), &p.host_port))
                return zone_err_set(err, -EINVAL,
                                    "published port \"%s\": host port \"%.*s\" is not a number "
                                    "from 1 to 65535",
                                    q, (int)(colon - s), q + (s - spec));
        if (!parse_port(colon + 1, (size_t)(end - colon - 1), &p.zone_port))
                return zone_err_set(err, -EINVAL,
                                    "published port \"%s\": zone port \"%.*s\" is not a number "
                                    "from 1 to 65535",
                                    q, (int)(end - colon - 1), q + (colon + 1 - spec));
        snprintf(p.host_ip, sizeof(p.host_ip), "%s", host);
        *ret = p;
        return 0;
}

/* ---- libnftables ---- */

/* libnftables (and libnftnl, libxtables, libjansson, libgmp with it) is loaded when a rule is
 * read or changed, not with the program: the network hook runs at every zone start and stop,
 * and a zone without published ports needs no rule of its own (netns/README.md). */
#define NFT_LIB "libnftables.so.1"

struct nat_nft {
        void *dl;
        struct nft_ctx *ctx;
        typeof(&nft_ctx_free) ctx_free;
        typeof(&nft_run_cmd_from_buffer) run_cmd;
        typeof(&nft_ctx_get_error_buffer) error_buffer;
        typeof(&nft_ctx_get_output_buffer) output_buffer;
        typeof(&nft_ctx_output_get_flags) get_flags;
        typeof(&nft_ctx_output_set_flags) set_flags;
};

static void nat_nft_freep(struct nat_nft **p)
{
        struct nat_nft *n = *p;
        if (!n)
                return;
        if (n->ctx)
                n->ctx_free(n->ctx);
        if (n->dl)
                dlclose(n->dl);
        free(n);
}
#define _cleanup_nft_ _cleanup_(nat_nft_freep)

static void yajl_tree_freep(yajl_val *v)
{
        if (*v)
                yajl_tree_free(*v);
}

static int nat_ctx(struct nat_nft **ret, struct zone_err **err)
{
        _cleanup_nft_ struct nat_nft *n = calloc(1, sizeof(*n));
        if (!n)
                return zone_err_set(err, -ENOMEM, "create an nftables context");
        /* NODELETE: gc opens a context per zone; the library stays mapped between them. */
        n->dl = dlopen(NFT_LIB, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!n->dl)
                return zone_err_set(err, -ELIBACC, "load %s: %s", NFT_LIB, dlerror());
        typeof(&nft_ctx_new) ctx_new = dlsym(n->dl, "nft_ctx_new");
        typeof(&nft_ctx_buffer_output) buffer_output = dlsym(n->dl, "nft_ctx_buffer_output");
        typeof(&nft_ctx_buffer_error) buffer_error = dlsym(n->dl, "nft_ctx_buffer_error");
        n->ctx_free = dlsym(n->dl, "nft_ctx_free");
        n->run_cmd = dlsym(n->dl, "nft_run_cmd_from_buffer");
        n->error_buffer = dlsym(n->dl, "nft_ctx_get_error_buffer");
        n->output_buffer = dlsym(n->dl, "nft_ctx_get_output_buffer");
        n->get_flags = dlsym(n->dl, "nft_ctx_output_get_flags");
        n->set_flags = dlsym(n->dl, "nft_ctx_output_set_flags");
        if (!ctx_new || !buffer_output || !buffer_error || !n->ctx_free || !n->run_cmd ||
            !n->error_buffer || !n->output_buffer || !n->get_flags || !n->set_flags)
                return zone_err_set(err, -ELIBBAD, "load %s: a function is missing", NFT_LIB);
        n->ctx = ctx_new(NFT_CTX_DEFAULT);
        if (!n->ctx)
                return zone_err_set(err, -ENOMEM, "create an nftables context");
        if (buffer_output(n->ctx) < 0 || buffer_error(n->ctx) < 0)
                return zone_err_set(err, -ENOMEM, "create an nftables context: buffers");
        *ret = steal_pointer(&n);
        return 0;
}

/* Runs nft commands; on failure the message is nft's first error line, after what. */
static int nat_run(struct nat_nft *ctx, const char *cmd, bool *ret_exists, const char *what,
                   struct zone_err **err)
{
        if (ret_exists)
                *ret_exists = false;
        if (ctx->run_cmd(ctx->ctx, cmd) == 0)
                return 0;
        const char *e = ctx->error_buffer(ctx->ctx);
        if (!e)
                e = "";
        if (ret_exists && strstr(e, "File exists"))
                *ret_exists = true;
        if (strncmp(e, "Error: ", 7) == 0)
                e += 7;
        size_t n = strcspn(e, "\n");
        if (n == 0)
                return zone_err_set(err, -EIO, "%s: nftables failed with no message", what);
        return zone_err_set(err, -EIO, "%s: nftables: %.*s", what, (int)n, e);
}

/* What the table holds: its rules and published ports, with their comments. */
struct nat_rule {
        char chain[32];
        long long handle;
        char *comment;
};
struct nat_elem {
        char proto[8];
        long long port;
        char *comment;
};
struct nat_table {
        bool exists;
        struct nat_rule *rules;
        size_t n_rules;
        struct nat_elem *elems;
        size_t n_elems;
};

static void nat_table_clear(struct nat_table *t)
{
        for (size_t i = 0; i < t->n_rules; i++)
                free(t->rules[i].comment);
        for (size_t i = 0; i < t->n_elems; i++)
                free(t->elems[i].comment);
        free(t->rules);
        free(t->elems);
        *t = (struct nat_table){0};
}

static const char *json_str(yajl_val obj, const char *key)
{
        const char *path[] = {key, NULL};
        yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
        return v ? YAJL_GET_STRING(v) : NULL;
}

static bool json_int(yajl_val obj, const char *key, long long *ret)
{
        const char *path[] = {key, NULL};
        yajl_val v = yajl_tree_get(obj, path, yajl_t_number);
        if (!v || !YAJL_IS_INTEGER(v))
                return false;
        *ret = YAJL_GET_INTEGER(v);
        return true;
}

static int parse_rule(yajl_val r, struct nat_table *t)
{
        const char *chain = json_str(r, "chain"), *comment = json_str(r, "comment");
        long long handle;
        if (!chain || !json_int(r, "handle", &handle))
                return 0;
        struct nat_rule *n = realloc(t->rules, (t->n_rules + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        t->rules = n;
        struct nat_rule *x = &n[t->n_rules];
        *x = (struct nat_rule){.handle = handle};
        snprintf(x->chain, sizeof(x->chain), "%s", chain);
        if (comment && !(x->comment = strdup(comment)))
                return -ENOMEM;
        t->n_rules++;
        return 0;
}

/* The set's elements: {"elem": {"val": {"concat": ["tcp", 8080]}, "comment": "zone:ID"}}. */
static int parse_set(yajl_val s, struct nat_table *t)
{
        const char *name = json_str(s, "name");
        const char *path[] = {"elem", NULL};
        yajl_val elems = yajl_tree_get(s, path, yajl_t_array);
        if (!name || strcmp(name, NAT_SET) != 0 || !elems)
                return 0;
        for (size_t i = 0; i < elems->u.array.len; i++) {
                const char *ep[] = {"elem", NULL}, *vp[] = {"val", "concat", NULL};
                yajl_val e = yajl_tree_get(elems->u.array.values[i], ep, yajl_t_object);
                yajl_val c = e ? yajl_tree_get(e, vp, yajl_t_array) : NULL;
                if (!c || c->u.array.len != 2 || !YAJL_IS_STRING(c->u.array.values[0]) ||
                    !YAJL_IS_INTEGER(c->u.array.values[1]))
                        continue;
                struct nat_elem *n = realloc(t->elems, (t->n_elems + 1) * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                t->elems = n;
                struct nat_elem *x = &n[t->n_elems];
                *x = (struct nat_elem){.port = YAJL_GET_INTEGER(c->u.array.values[1])};
                snprintf(x->proto, sizeof(x->proto), "%s", YAJL_GET_STRING(c->u.array.values[0]));
                const char *comment = json_str(e, "comment");
                if (comment && !(x->comment = strdup(comment)))
                        return -ENOMEM;
                t->n_elems++;
        }
        return 0;
}

/* The "nftables" array of a JSON listing, parsed into *ret_root. */
static int parse_listing(struct nat_nft *ctx, const char *what, yajl_val *ret_root,
                         yajl_val *ret_items, struct zone_err **err)
{
        char json_err[256];
        const char *out = ctx->output_buffer(ctx->ctx);
        const char *np[] = {"nftables", NULL};
        yajl_val root = yajl_tree_parse(out ? out : "", json_err, sizeof(json_err));
        yajl_val items = root ? yajl_tree_get(root, np, yajl_t_array) : NULL;
        if (!items) {
                if (root)
                        yajl_tree_free(root);
                return zone_err_set(err, -EIO, "%s: unreadable JSON output", what);
        }
        *ret_root = root;
        *ret_items = items;
        return 0;
}

static int nat_list_json(struct nat_nft *ctx, struct nat_table *t, struct zone_err **err)
{
        const char *what = "list nftables tables";
        int r = nat_run(ctx, "list tables inet", NULL, what, err);
        __attribute__((cleanup(yajl_tree_freep))) yajl_val tables = NULL;
        yajl_val items;
        if (r == 0)
                r = parse_listing(ctx, what, &tables, &items, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < items->u.array.len && !t->exists; i++) {
                const char *tp[] = {"table", NULL};
                yajl_val tab = yajl_tree_get(items->u.array.values[i], tp, yajl_t_object);
                const char *name = tab ? json_str(tab, "name") : NULL;
                const char *family = tab ? json_str(tab, "family") : NULL;
                t->exists = name && family && strcmp(name, NAT_TABLE_NAME) == 0 &&
                            strcmp(family, "inet") == 0;
        }
        if (!t->exists)
                return 0;

        what = "list nftables table " NAT_TABLE;
        __attribute__((cleanup(yajl_tree_freep))) yajl_val root = NULL;
        r = nat_run(ctx, "list table " NAT_TABLE, NULL, what, err);
        if (r == 0)
                r = parse_listing(ctx, what, &root, &items, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < items->u.array.len && r == 0; i++) {
                const char *rp[] = {"rule", NULL}, *sp[] = {"set", NULL};
                yajl_val it = items->u.array.values[i];
                yajl_val v;
                if ((v = yajl_tree_get(it, rp, yajl_t_object)))
                        r = parse_rule(v, t);
                else if ((v = yajl_tree_get(it, sp, yajl_t_object)))
                        r = parse_set(v, t);
        }
        if (r < 0)
                return zone_err_set(err, r, "%s: out of memory", what);
        return 0;
}

/* Reads the table (absent: t->exists false) from nft's JSON listing. */
static int nat_list(struct nat_nft *ctx, struct nat_table *t, struct zone_err **err)
{
        *t = (struct nat_table){0};
        unsigned flags = ctx->get_flags(ctx->ctx);
        ctx->set_flags(ctx->ctx, flags | NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
        int r = nat_list_json(ctx, t, err);
        ctx->set_flags(ctx->ctx, flags);
        if (r < 0)
                nat_table_clear(t);
        return r;
}

/* ---- locking and checks ---- */

/* One lock for every change of the table: it makes "remove the table with the last rule"
 * safe against a zone adding its first rule at the same time. */
static int nat_lock(int *ret_fd, struct zone_err **err)
{
        if (mkdir(NAT_LOCK_DIR, 0755) < 0 && errno != EEXIST)
                return zone_err_sys(err, -errno, "create %s", NAT_LOCK_DIR);
        int fd = open(NAT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open %s", NAT_LOCK);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int r = -errno;
                        close(fd);
                        return zone_err_sys(err, r, "lock %s", NAT_LOCK);
                }
        }
        *ret_fd = fd;
        return 0;
}

#define NAT_ID_MAX ZONE_NAT_ID_MAX

static int check_id(const char *zone_id, struct zone_err **err)
{
        size_t len = zone_id ? strlen(zone_id) : 0;
        if (len == 0 || len > NAT_ID_MAX)
                return zone_err_set(err, -EINVAL,
                                    "NAT rules for zone \"%s\": the id must be 1 to "
                                    "%d bytes",
                                    zone_id ? zone_id : "", NAT_ID_MAX);
        /* The id goes into nft text inside quotes. */
        for (const char *p = zone_id; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-",
                            *p))
                        return zone_err_set(err, -EINVAL,
                                            "NAT rules for zone: invalid id (only letters, "
                                            "digits and _ + . - are allowed)");
        return 0;
}

static bool is_tagged(const char *comment, const char *kind, const char *name)
{
        size_t k = strlen(kind);
        return comment && strncmp(comment, kind, k) == 0 && strcmp(comment + k, name) == 0;
}

static bool is_zone_comment(const char *comment, const char *zone_id)
{
        return is_tagged(comment, "zone:", zone_id);
}

/* Appends the commands deleting the rules and ports tagged KIND NAME ("zone:" and an id, or
 * "bridge:" and a bridge); *ret_left is what stays. */
static void delete_tagged_cmds(FILE *f, const struct nat_table *t, const char *kind,
                               const char *name, size_t *ret_mine, size_t *ret_left)
{
        size_t mine = 0, left = 0;
        for (size_t i = 0; i < t->n_rules; i++) {
                if (!is_tagged(t->rules[i].comment, kind, name)) {
                        left++;
                        continue;
                }
                mine++;
                fprintf(f, "delete rule " NAT_TABLE " %s handle %lld\n", t->rules[i].chain,
                        t->rules[i].handle);
        }
        for (size_t i = 0; i < t->n_elems; i++) {
                if (!is_tagged(t->elems[i].comment, kind, name)) {
                        left++;
                        continue;
                }
                mine++;
                fprintf(f, "delete element " NAT_TABLE " " NAT_SET " { %s . %lld }\n",
                        t->elems[i].proto, t->elems[i].port);
        }
        *ret_mine = mine;
        *ret_left = left;
}

/* One change of the table, as every rule path makes it: under the lock, the table listed,
 * then one transaction that begins by deleting the rules and ports tagged kind name (the
 * caller's earlier ones) and adds what the caller writes to f. */
struct nat_change {
        struct nat_nft *ctx;
        int lock;
        struct nat_table t; /* as listed, until nat_change_delete_tagged */
        char *cmd;
        size_t cmd_len;
        FILE *f;
        size_t mine, left; /* the rules and ports deleted, and those that stay */
};

static void nat_change_done(struct nat_change *c)
{
        if (c->f)
                fclose(c->f);
        free(c->cmd);
        nat_table_clear(&c->t);
        closep(&c->lock);
        nat_nft_freep(&c->ctx);
}
#define _cleanup_nat_change_ _cleanup_(nat_change_done)

/* Locks and lists the table into c->t (c starts as {.lock = -1}). */
static int nat_change_begin(struct nat_change *c, struct zone_err **err)
{
        int r = nat_ctx(&c->ctx, err);
        if (r < 0)
                return r;
        r = nat_lock(&c->lock, err);
        if (r < 0)
                return r;
        return nat_list(c->ctx, &c->t, err);
}

/* Begins the transaction (c->f) with the deletion of what is tagged kind name; the listing
 * is freed (by nat_change_done on failure). */
static int nat_change_delete_tagged(struct nat_change *c, const char *kind, const char *name,
                                    const char *what, struct zone_err **err)
{
        c->f = open_memstream(&c->cmd, &c->cmd_len);
        if (!c->f)
                return zone_err_sys(err, -errno, "%s: build commands", what);
        delete_tagged_cmds(c->f, &c->t, kind, name, &c->mine, &c->left);
        nat_table_clear(&c->t);
        return 0;
}

/* Runs the transaction (*exists as nat_run says, unless NULL). */
static int nat_change_run(struct nat_change *c, bool *exists, const char *what,
                          struct zone_err **err)
{
        FILE *f = steal_pointer(&c->f);
        if (fclose(f) != 0)
                return zone_err_sys(err, -errno, "%s: build commands", what);
        return nat_run(c->ctx, c->cmd, exists, what, err);
}

/* ---- zone_nat_add ---- */

/* route_localnet lets packets from 127.0.0.1 be routed out to the bridge once DNAT sends them
 * there: without it the host's loopback cannot reach a published port. */
static int enable_route_localnet(struct zone_err **err)
{
        const char *path = "/proc/sys/net/ipv4/conf/all/route_localnet";
        _cleanup_close_ int fd = open_procfs(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, fd, "open %s", path);
        int r = write_full(fd, "1", 1);
        if (r < 0)
                return zone_err_sys(err, r, "write 1 to %s", path);
        return 0;
}

static bool valid_ifname(const char *s)
{
        size_t n = s ? strlen(s) : 0;
        if (n == 0 || n >= 16)
                return false;
        for (; *s; s++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
                            *s))
                        return false;
        return true;
}

/* The table and its chains and set, as every transaction that adds a rule begins. */
#define NAT_SKELETON                                                                               \
        "add table " NAT_TABLE "\n"                                                                \
        "add chain " NAT_TABLE " prerouting { type nat hook prerouting priority -100; }\n"         \
        "add chain " NAT_TABLE " output { type nat hook output priority -100; }\n"                 \
        "add chain " NAT_TABLE " postrouting { type nat hook postrouting priority 100; }\n"        \
        "add chain " NAT_TABLE " guard { type filter hook prerouting priority -300; }\n"           \
        "add set " NAT_TABLE " " NAT_SET " { type inet_proto . inet_service; }\n"

/* zone_nat_add (egress: the zone's own masquerade) and zone_nat_publish (none). */
/* " for zone ID" in a message, or nothing when the zone has no id yet. */
static const char *for_zone(const char *zone_id, char *buf, size_t size)
{
        if (!zone_id)
                return "";
        snprintf(buf, size, " for zone %s", zone_id);
        return buf;
}

/* A port another zone holds in the table's set (the zone's own are not a conflict). */
static int port_published(const struct nat_table *t, const char *zone_id, const struct zone_port *p,
                          struct zone_err **err)
{
        char fz[NAT_ID_MAX + 16];
        for (size_t j = 0; j < t->n_elems; j++) {
                const struct nat_elem *e = &t->elems[j];
                if (e->port != p->host_port || strcmp(e->proto, proto_name(p->proto)) != 0 ||
                    (zone_id && is_zone_comment(e->comment, zone_id)))
                        continue;
                const char *owner =
                    e->comment && strncmp(e->comment, "zone:", 5) == 0 ? e->comment + 5 : "?";
                return zone_err_set(
                    err, -EADDRINUSE, "publish host port %u/%s%s: already published by zone %s",
                    p->host_port, proto_name(p->proto), for_zone(zone_id, fz, sizeof(fz)), owner);
        }
        return 0;
}

/* A port a socket of this namespace is bound to: its DNAT would take the traffic from the
 * program that listens there. Found by binding to it (TCP with SO_REUSEADDR, so connections
 * in TIME_WAIT do not count, a listener does); an address that is not local is no conflict. */
static int port_bound(const char *zone_id, const struct zone_port *p, struct zone_err **err)
{
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } a = {0};
        socklen_t alen;
        int family = p->host_ip[0] && strchr(p->host_ip, ':') ? AF_INET6 : AF_INET;
        if (family == AF_INET) {
                a.in.sin_family = AF_INET;
                a.in.sin_port = htons(p->host_port);
                if (p->host_ip[0] && inet_pton(AF_INET, p->host_ip, &a.in.sin_addr) != 1)
                        return 0;
                alen = sizeof(a.in);
        } else {
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons(p->host_port);
                if (inet_pton(AF_INET6, p->host_ip, &a.in6.sin6_addr) != 1)
                        return 0;
                alen = sizeof(a.in6);
        }
        bool tcp = p->proto == IPPROTO_TCP;
        _cleanup_close_ int fd = socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return zone_err_sys(err, -errno, "publish host port %u/%s: socket", p->host_port,
                                    proto_name(p->proto));
        int one = 1;
        if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return zone_err_sys(err, -errno, "publish host port %u/%s: SO_REUSEADDR",
                                    p->host_port, proto_name(p->proto));
        if (bind(fd, &a.sa, alen) == 0 || errno != EADDRINUSE)
                return 0;
        char fz[NAT_ID_MAX + 16];
        bool v6 = family == AF_INET6;
        return zone_err_set(err, -EADDRINUSE,
                            "publish host port %s%s%s%u/%s%s: a program of the host is bound to it",
                            v6 ? "[" : "", p->host_ip, p->host_ip[0] ? (v6 ? "]:" : ":") : "",
                            p->host_port, proto_name(p->proto), for_zone(zone_id, fz, sizeof(fz)));
}

int zone_nat_ports_check(const char *zone_id, const struct zone_port *ports, size_t n_ports,
                         struct zone_err **err)
{
        char fz[NAT_ID_MAX + 16];
        for (size_t i = 0; i < n_ports; i++) {
                for (size_t j = 0; j < i; j++)
                        if (ports[j].proto == ports[i].proto &&
                            ports[j].host_port == ports[i].host_port)
                                return zone_err_set(err, -EADDRINUSE,
                                                    "publish host port %u/%s%s: given twice",
                                                    ports[i].host_port, proto_name(ports[i].proto),
                                                    for_zone(zone_id, fz, sizeof(fz)));
                int r = port_bound(zone_id, &ports[i], err);
                if (r < 0)
                        return r;
        }
        if (!n_ports)
                return 0;
        _cleanup_nft_ struct nat_nft *ctx = NULL;
        int r = nat_ctx(&ctx, err);
        if (r < 0)
                return r;
        struct nat_table t;
        if ((r = nat_list(ctx, &t, err)) < 0)
                return r;
        for (size_t i = 0; i < n_ports && r == 0; i++)
                r = port_published(&t, zone_id, &ports[i], err);
        nat_table_clear(&t);
        return r;
}

static int nat_add(const char *zone_id, const char *bridge, const char *zone_addr,
                   const struct zone_port *ports, size_t n_ports, bool egress,
                   struct zone_err **err)
{
        int r = check_id(zone_id, err);
        if (r < 0)
                return r;
        if (!valid_ifname(bridge))
                return zone_err_set(err, -EINVAL,
                                    "NAT rules for zone %s: invalid bridge name "
                                    "\"%s\"",
                                    zone_id, bridge ? bridge : "");

        /* The zone's address, with or without its prefix length. */
        char addr[INET6_ADDRSTRLEN];
        unsigned char bin[sizeof(struct in6_addr)];
        size_t alen = zone_addr ? strcspn(zone_addr, "/") : 0;
        int family = 0;
        if (alen > 0 && alen < sizeof(addr)) {
                memcpy(addr, zone_addr, alen);
                addr[alen] = '\0';
                family = inet_pton(AF_INET, addr, bin) == 1    ? AF_INET
                         : inet_pton(AF_INET6, addr, bin) == 1 ? AF_INET6
                                                               : 0;
        }
        if (!family)
                return zone_err_set(err, -EINVAL, "NAT rules for zone %s: invalid address \"%s\"",
                                    zone_id, zone_addr ? zone_addr : "");
        const char *ipk = family == AF_INET ? "ip" : "ip6";
        char to[INET6_ADDRSTRLEN + 2];
        snprintf(to, sizeof(to), family == AF_INET ? "%s" : "[%s]", addr);

        bool localnet = false;
        for (size_t i = 0; i < n_ports; i++) {
                const struct zone_port *p = &ports[i];
                if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || !p->host_port ||
                    !p->zone_port)
                        return zone_err_set(err, -EINVAL,
                                            "publish port %u for zone %s: invalid port",
                                            p->host_port, zone_id);
                for (size_t j = 0; j < i; j++)
                        if (ports[j].proto == p->proto && ports[j].host_port == p->host_port)
                                return zone_err_set(err, -EADDRINUSE,
                                                    "publish host port %u/%s for zone %s: "
                                                    "given twice",
                                                    p->host_port, proto_name(p->proto), zone_id);
                if (p->host_ip[0]) {
                        unsigned char hb[sizeof(struct in6_addr)];
                        int hf = strchr(p->host_ip, ':') ? AF_INET6 : AF_INET;
                        if (inet_pton(hf, p->host_ip, hb) != 1)
                                return zone_err_set(err, -EINVAL,
                                                    "publish host port %u/%s for zone %s: invalid "
                                                    "host address \"%s\"",
                                                    p->host_port, proto_name(p->proto), zone_id,
                                                    p->host_ip);
                        if (hf != family)
                                return zone_err_set(
                                    err, -EINVAL,
                                    "publish host port %s%s%s:%u/%s for zone %s: the host address "
                                    "is %s and the zone's address %s is not",
                                    hf == AF_INET6 ? "[" : "", p->host_ip,
                                    hf == AF_INET6 ? "]" : "", p->host_port, proto_name(p->proto),
                                    zone_id, hf == AF_INET ? "IPv4" : "IPv6", addr);
                        if (hf == AF_INET6 && IN6_IS_ADDR_LOOPBACK((struct in6_addr *)hb))
                                return zone_err_set(err, -EINVAL,
                                                    "publish host port [::1]:%u/%s for zone %s: "
                                                    "IPv6 loopback traffic cannot be forwarded "
                                                    "to a zone (use 127.0.0.1)",
                                                    p->host_port, proto_name(p->proto), zone_id);
                        if (hf == AF_INET && hb[0] == 127)
                                localnet = true;
                } else if (family == AF_INET) {
                        localnet = true;
                }
        }

        char what[64 + NAT_ID_MAX];
        snprintf(what, sizeof(what), "add NAT rules for zone %s", zone_id);
        _cleanup_nat_change_ struct nat_change ch = {.lock = -1};
        r = nat_change_begin(&ch, err);
        if (r < 0)
                return r;

        /* A port another zone has, or a program of the host, is refused; the zone's own
         * earlier rules are replaced. */
        for (size_t i = 0; i < n_ports && r == 0; i++)
                if ((r = port_published(&ch.t, zone_id, &ports[i], err)) == 0)
                        r = port_bound(zone_id, &ports[i], err);
        if (r < 0)
                return r;
        r = nat_change_delete_tagged(&ch, "zone:", zone_id, what, err);
        if (r < 0)
                return r;

        FILE *f = ch.f;
        fputs(NAT_SKELETON, f);
        const char *c = zone_id;
        /* Egress: the zone's address leaving through anything but its bridge. */
        if (egress)
                fprintf(f,
                        "add rule " NAT_TABLE " postrouting %s saddr %s oifname != \"%s\" "
                        "masquerade comment \"zone:%s\"\n",
                        ipk, addr, bridge, c);
        for (size_t i = 0; i < n_ports; i++) {
                const struct zone_port *p = &ports[i];
                const char *pr = proto_name(p->proto);
                char match[96];
                if (p->host_ip[0])
                        snprintf(match, sizeof(match), "%s daddr %s", ipk, p->host_ip);
                else
                        snprintf(match, sizeof(match), "fib daddr type local meta nfproto %s",
                                 family == AF_INET ? "ipv4" : "ipv6");
                /* The set entry is created, not added: the transaction fails when another
                 * zone published the port meanwhile (a caller that skipped the lock). */
                fprintf(
                    f, "create element " NAT_TABLE " " NAT_SET " { %s . %u comment \"zone:%s\" }\n",
                    pr, p->host_port, c);
                fprintf(f,
                        "add rule " NAT_TABLE " prerouting %s %s dport %u dnat %s to %s:%u "
                        "comment \"zone:%s\"\n",
                        match, pr, p->host_port, ipk, to, p->zone_port, c);
                fprintf(f,
                        "add rule " NAT_TABLE " output %s %s dport %u dnat %s to %s:%u "
                        "comment \"zone:%s\"\n",
                        match, pr, p->host_port, ipk, to, p->zone_port, c);
                if (family == AF_INET && (!p->host_ip[0] || strncmp(p->host_ip, "127.", 4) == 0))
                        /* Replies must come back to the host, not to 127.0.0.1 in the zone. */
                        fprintf(f,
                                "add rule " NAT_TABLE " postrouting oifname \"%s\" ip saddr "
                                "127.0.0.0/8 ip daddr %s %s dport %u masquerade comment "
                                "\"zone:%s\"\n",
                                bridge, addr, pr, p->zone_port, c);
                /* Hairpin: a zone reaching another's published port through the host's
                 * address would get the reply straight from that zone, not from the host. */
                fprintf(f,
                        "add rule " NAT_TABLE " postrouting iifname \"%s\" oifname \"%s\" %s "
                        "daddr %s %s dport %u ct status dnat masquerade comment \"zone:%s\"\n",
                        bridge, bridge, ipk, addr, pr, p->zone_port, c);
        }
        if (localnet)
                /* With route_localnet, 127.0.0.0/8 would be accepted from the network too. */
                fprintf(f,
                        "add rule " NAT_TABLE " guard iifname != \"lo\" ip daddr 127.0.0.0/8 drop "
                        "comment \"zone:%s\"\n",
                        c);
        if (localnet) {
                r = enable_route_localnet(err);
                if (r < 0)
                        return zone_err_wrap(err, "NAT rules for zone %s", zone_id);
        }
        bool exists;
        r = nat_change_run(&ch, &exists, what, err);
        if (r < 0 && exists) {
                zone_err_free(*err);
                *err = NULL;
                return zone_err_set(err, -EADDRINUSE,
                                    "add NAT rules for zone %s: a host port is already published",
                                    zone_id);
        }
        return r;
}

int zone_nat_add(const char *zone_id, const char *bridge, const char *zone_addr,
                 const struct zone_port *ports, size_t n_ports, struct zone_err **err)
{
        return nat_add(zone_id, bridge, zone_addr, ports, n_ports, true, err);
}

int zone_nat_publish(const char *zone_id, const char *bridge, const char *zone_addr,
                     const struct zone_port *ports, size_t n_ports, struct zone_err **err)
{
        return nat_add(zone_id, bridge, zone_addr, ports, n_ports, false, err);
}

/* ---- a network's egress ---- */

/* Deletes the rules tagged kind:name (and the table when nothing else is in it). */
static int nat_remove_tagged(const char *kind, const char *name, const char *what,
                             struct zone_err **err)
{
        _cleanup_nat_change_ struct nat_change ch = {.lock = -1};
        int r = nat_change_begin(&ch, err);
        if (r < 0)
                return r;
        if (!ch.t.exists)
                return 0;
        r = nat_change_delete_tagged(&ch, kind, name, what, err);
        if (r < 0)
                return r;
        if (ch.left == 0)
                fputs("delete table " NAT_TABLE "\n", ch.f);
        else if (ch.mine == 0)
                return 0;
        return nat_change_run(&ch, NULL, what, err);
}

int zone_nat_network_add(const char *bridge, const char *subnet, struct zone_err **err)
{
        if (!valid_ifname(bridge))
                return zone_err_set(err, -EINVAL, "egress NAT: invalid bridge name \"%s\"",
                                    bridge ? bridge : "");
        /* "A.B.C.D/N", as zone_cidr_parse would take it, checked here to go into nft text. */
        char ip[INET_ADDRSTRLEN];
        struct in_addr a;
        const char *slash = subnet ? strchr(subnet, '/') : NULL;
        char *end = NULL;
        long prefix = slash ? strtol(slash + 1, &end, 10) : -1;
        if (!slash || (size_t)(slash - subnet) >= sizeof(ip) || !slash[1] || *end || prefix < 0 ||
            prefix > 32)
                return zone_err_set(err, -EINVAL,
                                    "egress NAT of bridge %s: malformed subnet \"%s\"", bridge,
                                    subnet ? subnet : "");
        memcpy(ip, subnet, (size_t)(slash - subnet));
        ip[slash - subnet] = '\0';
        if (inet_pton(AF_INET, ip, &a) != 1)
                return zone_err_set(err, -EINVAL,
                                    "egress NAT of bridge %s: malformed subnet \"%s\"", bridge,
                                    subnet);

        char what[96];
        snprintf(what, sizeof(what), "add the egress NAT rule of bridge %s", bridge);
        _cleanup_nat_change_ struct nat_change ch = {.lock = -1};
        int r = nat_change_begin(&ch, err);
        if (r < 0)
                return r;
        /* The bridge's earlier rule (another subnet, or a crash before its removal) goes. */
        r = nat_change_delete_tagged(&ch, "bridge:", bridge, what, err);
        if (r < 0)
                return r;
        fputs(NAT_SKELETON, ch.f);
        fprintf(ch.f,
                "add rule " NAT_TABLE " postrouting ip saddr %s/%ld oifname != \"%s\" masquerade "
                "comment \"bridge:%s\"\n",
                ip, prefix, bridge, bridge);
        return nat_change_run(&ch, NULL, what, err);
}

int zone_nat_network_remove(const char *bridge, struct zone_err **err)
{
        if (!valid_ifname(bridge))
                return zone_err_set(err, -EINVAL, "egress NAT: invalid bridge name \"%s\"",
                                    bridge ? bridge : "");
        char what[96];
        snprintf(what, sizeof(what), "remove the egress NAT rule of bridge %s", bridge);
        return nat_remove_tagged("bridge:", bridge, what, err);
}

/* ---- zone_nat_remove, zone_nat_zones ---- */

int zone_nat_remove(const char *zone_id, struct zone_err **err)
{
        int r = check_id(zone_id, err);
        if (r < 0)
                return r;
        char what[64 + NAT_ID_MAX];
        snprintf(what, sizeof(what), "remove NAT rules of zone %s", zone_id);
        return nat_remove_tagged("zone:", zone_id, what, err);
}

static int add_id(char ***ids, const char *comment)
{
        if (!comment || strncmp(comment, "zone:", 5) != 0 || !comment[5])
                return 0;
        for (char **p = *ids; p && *p; p++)
                if (strcmp(*p, comment + 5) == 0)
                        return 0;
        return strv_append(ids, comment + 5);
}

int zone_nat_zones(char ***ret_ids, struct zone_err **err)
{
        _cleanup_nft_ struct nat_nft *ctx = NULL;
        int r = nat_ctx(&ctx, err);
        if (r < 0)
                return r;
        struct nat_table t;
        r = nat_list(ctx, &t, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **ids = calloc(1, sizeof(char *));
        if (!ids)
                r = -ENOMEM;
        for (size_t i = 0; i < t.n_rules && r == 0; i++)
                r = add_id(&ids, t.rules[i].comment);
        for (size_t i = 0; i < t.n_elems && r == 0; i++)
                r = add_id(&ids, t.elems[i].comment);
        nat_table_clear(&t);
        if (r < 0)
                return zone_err_set(err, r, "list the zones with NAT rules: out of memory");
        *ret_ids = steal_pointer(&ids);
        return 0;
}

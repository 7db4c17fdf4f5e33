/* A zone's type (light, vm, emulated): which source chooses it, and whether this host can run
 * it. The type picks the backend (zone_backend_for); everything else about a zone is the same. */
#pragma once

#include "err.h"

/* Where a zone's type came from, highest precedence first. */
enum zone_type_source {
        ZONE_TYPE_FROM_FLAG,       /* --type on the command line */
        ZONE_TYPE_FROM_ANNOTATION, /* org.zone.type in config.json (podman --annotation, pods) */
        ZONE_TYPE_FROM_PROGRAM,    /* the program's name: zone-oci-vm, zone-oci-emulated */
        ZONE_TYPE_FROM_IMAGE,   /* the image's label org.zone.type (ZONE_IMAGE_TYPE_ANNOTATION) */
        ZONE_TYPE_FROM_DEFAULT, /* light */
};

struct zone_type_choice {
        const char *type; /* one of the inputs (not copied), or "light" */
        enum zone_type_source source;
};

#define ZONE_TYPE_ANNOTATION "org.zone.type"
/* The image's label org.zone.type, as `zone image bundle` writes it into the bundle's config:
 * an annotation of its own, so that it ranks below the program's name. */
#define ZONE_IMAGE_TYPE_ANNOTATION "org.zone.image.type"
#define ZONE_TYPE_DEFAULT          "light"

/* The known types, NULL-terminated, in the order they are listed to users. */
extern const char *const zone_types[];

/* Picks the type from its sources by precedence; NULL (or "") means a source says nothing.
 * The choice is not checked: see zone_type_validate. */
struct zone_type_choice zone_type_choose(const char *flag, const char *annotation,
                                         const char *program, const char *image);
/* How a source is named in messages: "--type", "annotation org.zone.type", "program name",
 * "image label org.zone.type". */
const char *zone_type_source_name(enum zone_type_source source);
/* 0 when choice names a known type; else -EINVAL with a message naming its source. */
int zone_type_validate(struct zone_type_choice choice, struct zone_err **err);

/* The type a program name selects: "zone-oci-vm" (any directory) selects "vm"; a name
 * without the "zone-oci-" prefix selects none (NULL). The suffix is not checked here. */
const char *zone_type_of_program(const char *argv0);

#define ZONE_KVM_DEVICE "/dev/kvm"
/* Whether the KVM device at path can run VMs: it opens read-write and answers
 * KVM_GET_API_VERSION with the stable API. 0 or a negative errno with a one-line message that
 * names the device and points to the emulated type. */
int zone_kvm_check(const char *path, struct zone_err **err);
/* Whether this host can run zones of a known type; 0 or a negative errno with the reason.
 * Cheap for light (nothing to check); creates nothing. */
int zone_type_check_host(const char *type, struct zone_err **err);
/* What features reports: zone_type_check_host, and for the VM types also the guest kernel and
 * initramfs a zone gets when its annotations name none. */
int zone_type_check_usable(const char *type, struct zone_err **err);

/* What a zone of a known type supports and lacks, as comma-separated lists (features). */
struct zone_type_support {
        const char *supports, *lacks;
};
struct zone_type_support zone_type_support(const char *type);

/* Signal names as zone kill and zone-oci kill take them. */
#pragma once

/* A number, "TERM", "SIGTERM", "RTMIN+3" (any case); -1 when it names no signal. */
int cli_parse_signal(const char *s);

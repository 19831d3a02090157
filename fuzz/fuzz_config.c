/* fuzz_config.c -- the INI configuration loader (base/config_load.c) with
 * the full key table, and --set overrides. The loader reads a path, so the
 * input is written to a private temporary file first. */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "plugins.h"

static char path[64];

static void write_input(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        strcpy(path, "/tmp/ms-fuzz-config-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

MS_FUZZ_TARGET(config)
{
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    write_input(data, size);
    ms_config *cfg = ms_config_new();
    if (!cfg)
        abort();
    char err[512];
    err[0] = '\0';
    if (ms_config_load_file(cfg, path, err, sizeof err) == 0)
        ms_config_print(cfg, devnull);   /* every value reads back */
    else
        MS_FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));

    /* The first line as a --set override. */
    char *s = ms_fuzz_strdup(data, size);
    s[strcspn(s, "\n")] = '\0';
    err[0] = '\0';
    if (ms_config_set_arg(cfg, s, err, sizeof err) != 0)
        MS_FUZZ_CHECK(err[0] != '\0');
    free(s);
    ms_config_free(cfg);
    return 0;
}

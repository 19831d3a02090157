/* version.c -- `medstream version` / `--version`: our version and commit,
 * and the versions of the libraries as loaded, from their runtime APIs
 * (a shared library upgraded under the binary shows its new version). */
#include <stdio.h>

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <mupdf/fitz/version.h>
#include <openssl/crypto.h>
#include <uv.h>

#include "base/build.h"
#include "cli/cli.h"

void ms_cli_version(FILE *out)
{
    const curl_version_info_data *c = curl_version_info(CURLVERSION_NOW);
    fprintf(out, "medstream %s (commit %s)\n", ms_build_version(), ms_build_commit());
    fprintf(out, "librdkafka %s\n", rd_kafka_version_str());
    fprintf(out, "libuv %s\n", uv_version_string());
    fprintf(out, "libcurl %s (%s)\n", c->version, c->ssl_version ? c->ssl_version : "no TLS");
    fprintf(out, "OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
    /* MuPDF has no runtime version call and is linked statically; every
     * fz_new_context checks this header's version against the library's,
     * so the two cannot differ in a running binary. */
    fprintf(out, "MuPDF %s\n", FZ_VERSION);
}

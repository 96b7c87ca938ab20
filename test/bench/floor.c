/*
 * The speed floor for decoding a Go heap dump: mmap the file, decode every record and every
 * varint, read every pointer word of objects, frames and segments, store nothing. The
 * benchmark compares the engine's parse phase with this, measured in the same run.
 *
 *   cc -O2 -o floor floor.c && ./floor FILE     (prints objects, pointers, seconds)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

static const uint8_t *p, *end;

static void fail(const char *what) {
	fprintf(stderr, "floor: %s\n", what);
	exit(1);
}

static inline uint64_t uv(void) {
	uint64_t x = 0;
	int s = 0;
	for (int i = 0; i < 10; i++) {
		if (p >= end) fail("truncated varint");
		uint8_t b = *p++;
		if (b < 0x80) return x | (uint64_t)b << s;
		x |= (uint64_t)(b & 0x7f) << s;
		s += 7;
	}
	fail("long varint");
	return 0;
}

static uint64_t heap_lo, heap_hi, in_heap, pointers;

static const uint8_t *c; /* contents of the current record */
static uint64_t n;

static void contents(void) {
	n = uv();
	c = p;
	if (n > (uint64_t)(end - p)) fail("length");
	p += n;
}

/* A fields list: read each pointer word of the current contents. */
static void fields(void) {
	for (;;) {
		uint64_t kind = uv();
		if (kind == 0) break;
		uint64_t off = uv();
		if (off + 8 <= n) {
			uint64_t w;
			memcpy(&w, c + off, 8);
			pointers++;
			if (w >= heap_lo && w < heap_hi) in_heap++;
		}
	}
}

static void skip_bytes(void) {
	uint64_t n = uv();
	if (n > (uint64_t)(end - p)) fail("length");
	p += n;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: floor FILE\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 1;
	}
	const uint8_t *base = mmap(0, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	p = base + 16;
	end = base + st.st_size;
	uint64_t objects = 0;
	for (;;) {
		uint64_t tag = uv();
		switch (tag) {
		case 0: goto done;
		case 1: uv(); contents(); fields(); objects++; break;
		case 2: skip_bytes(); uv(); break;
		case 3: uv(); uv(); skip_bytes(); uv(); break;
		case 4: for (int i = 0; i < 8; i++) uv(); skip_bytes(); for (int i = 0; i < 4; i++) uv(); break;
		case 5: uv(); uv(); uv(); contents(); uv(); uv(); uv(); skip_bytes(); fields(); break;
		case 6: uv(); uv(); heap_lo = uv(); heap_hi = uv(); skip_bytes(); skip_bytes(); uv(); break;
		case 7: case 11: for (int i = 0; i < 5; i++) uv(); break;
		case 8: uv(); uv(); break;
		case 9: uv(); uv(); uv(); break;
		case 10: for (int i = 0; i < 281; i++) uv(); break;
		case 12: case 13: uv(); contents(); fields(); break;
		case 14: for (int i = 0; i < 7; i++) uv(); break;
		case 15: for (int i = 0; i < 6; i++) uv(); break;
		case 16: { uv(); uv(); uint64_t n = uv(); for (uint64_t i = 0; i < n; i++) { skip_bytes(); skip_bytes(); uv(); } uv(); uv(); break; }
		case 17: uv(); uv(); break;
		default: fail("unknown tag");
		}
	}
done:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("{\"objects\":%llu,\"pointers\":%llu,\"in_heap\":%llu,\"seconds\":%.4f}\n", (unsigned long long)objects,
	       (unsigned long long)pointers, (unsigned long long)in_heap,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

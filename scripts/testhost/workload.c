/*
 * damon-workload: a tiny static test workload for the DAMON test host.
 *
 *   damon-workload NODE MIB HOT_MIB PERIOD_S
 *
 * Binds its allocation to NUMA node NODE with the raw set_mempolicy syscall (busybox has no
 * numactl), touches MIB MiB, drops the binding (so DAMON may move the pages anywhere), prints
 * "ready" and then keeps writing to a HOT_MIB window that moves to the next slice of the buffer
 * every PERIOD_S seconds. Runs until killed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MPOL_DEFAULT 0
#define MPOL_BIND 2

static long set_mempolicy(int mode, const unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s NODE MIB HOT_MIB PERIOD_S\n", argv[0]);
		return 2;
	}
	int node = atoi(argv[1]);
	size_t mib = strtoul(argv[2], NULL, 10), hot = strtoul(argv[3], NULL, 10);
	double period = atof(argv[4]);
	if (node < 0 || node >= 64 || mib == 0 || hot == 0 || hot > mib || period <= 0) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	unsigned long mask = 1UL << node;
	if (set_mempolicy(MPOL_BIND, &mask, 64) != 0) {
		perror("set_mempolicy");
		return 1;
	}
	size_t len = mib << 20, hlen = hot << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (size_t off = 0; off < len; off += page)
		buf[off] = 1;
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
	printf("ready %zu MiB on node %d\n", mib, node);
	fflush(stdout);

	size_t slices = len / hlen, slice = 0;
	double started = now();
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	for (unsigned long pass = 0;; pass++) {
		slice = (size_t)((now() - started) / period) % slices;
		char *w = buf + slice * hlen;
		for (size_t off = 0; off < hlen; off += page)
			w[off] = (char)pass;
		nanosleep(&nap, NULL);
	}
}

# Sourced by tests/xen/run.sh (cwd: the work dir): what the real-Xen test
# needs from Debian.  On the host: QEMU and cpio (apt-get install, as root).
# Into the work dir only, never installed: Xen's hypervisor and tools, the
# kernel (dom0 and guests), busybox-static, qemu-system-xen (the HVM device
# model), fetched with `apt-get download` and unpacked with `dpkg-deb -x`.

DEBS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils busybox-static qemu-system-xen"
# host files the dom0 tree copies: SeaBIOS (hvmloader's BIOS), QEMU's option
# ROMs and keymap, mke2fs for the ext2 legacy images
HOSTPKGS="qemu-system-x86 cpio seabios qemu-system-data e2fsprogs"

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	ts "apt-get update"
	apt-get update -qq
	apt_updated=1
}

apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		die "missing on this host:$*; run as root: apt-get update && apt-get install -y$*"
	fi
	apt_update
	ts "apt-get install$*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

host_packages() {
	local miss=""
	command -v qemu-system-x86_64 >/dev/null || miss="$miss qemu-system-x86"
	command -v cpio >/dev/null || miss="$miss cpio"
	[ -e /usr/share/seabios/bios-256k.bin ] || miss="$miss seabios"
	[ -e /usr/share/qemu/linuxboot_dma.bin ] && [ -e /usr/share/qemu/keymaps/en-us ] ||
		miss="$miss qemu-system-data"
	[ -x /sbin/mke2fs ] || miss="$miss e2fsprogs"
	[ -z "$miss" ] || apt_install $miss
}

# the kernel package linux-image-amd64 points at, as a name apt can download
kernel_package() {
	local k
	k=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ && !f {print $2; f=1}')
	if [ -z "$k" ]; then
		apt_update
		k=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ && !f {print $2; f=1}')
	fi
	[ -n "$k" ] || die "apt-cache knows no linux-image-amd64"
	echo "$k"
}

fetch_debs() {
	local kpkg p try
	[ -e debs/.done ] && return 0
	rm -rf debs && mkdir -p debs
	kpkg=$(kernel_package)
	ts "apt-get download $DEBS $kpkg"
	for try in 1 2; do
		# (apt says it downloads unsandboxed as root: harmless here)
		(cd debs && apt-get download -q $DEBS "$kpkg" 2>&1 | grep -v -i 'unsandboxed' || true)
		ls debs/"${kpkg}"_*.deb >/dev/null 2>&1 && break
		apt_updated=; apt_update
	done
	for p in $DEBS "$kpkg"; do
		ls debs/"${p}"_*.deb >/dev/null 2>&1 || die "apt-get download $p failed"
	done
	touch debs/.done
}

# The kernel deb holds ~400 MB of modules; only the kernel and the modules
# dom0 loads are unpacked (xen, 9p and virtio drivers).
unpack_debs() {
	local d
	[ -e x/.done ] && return 0
	ts "unpacking the debs"
	rm -rf x && mkdir x
	for d in debs/*.deb; do
		case $(basename "$d") in
		linux-image-*)
			dpkg-deb --fsys-tarfile "$d" | tar -x -C x --wildcards './boot/vmlinuz-*' \
				'./lib/modules/*/kernel/drivers/xen/*' './lib/modules/*/kernel/fs/9p/*' \
				'./lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/drivers/virtio/*' \
				'./lib/modules/*/kernel/fs/netfs/*' './lib/modules/*/kernel/fs/fscache/*' ;;
		*) dpkg-deb -x "$d" x ;;
		esac
	done
	touch x/.done
}

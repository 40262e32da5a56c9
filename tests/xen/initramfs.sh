# Sourced by tests/xen/run.sh (cwd: the work dir, packages unpacked in x/):
# the guests' initramfs (busybox printing a counter) and dom0's initramfs
# (Xen's tools, the HVM device model, this build of sif, the test scripts and
# a pool database describing the two test VMs).

XENBIN=x/usr/lib/xen-4.17/bin

# copy_elf ROOT FILE...: each file and the shared libraries ldd resolves for it
copy_elf() {
	local root=$1 f l
	shift
	for f in "$@"; do
		case $f in
		x/*) install -D -m 755 "$f" "$root${f#x}" ;;
		"$root"/*) ;;
		/*) [ -e "$root$f" ] || install -D -m 755 "$f" "$root$f" ;;
		esac
		if [ "$(ldd "$f" 2>/dev/null | grep -c 'not found')" != 0 ]; then
			die "libraries of $f missing on this host: $(ldd "$f" | awk '/not found/{print $1}' | tr '\n' ' ')"
		fi
		for l in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
			[ -e "$root$l" ] || install -D -m 755 "$(readlink -f "$l")" "$root$l"
		done
	done
}

# module name -> .ko paths, dependencies first (from the modules' own depends=)
moddeps() {
	local m=${1//-/_} p d
	p=$(find "x/lib/modules/$KVER/kernel" -name "$m.ko*" | head -1)
	[ -n "$p" ] || p=$(find "x/lib/modules/$KVER/kernel" -name "${m//_/-}.ko*" | head -1)
	[ -n "$p" ] || die "kernel $KVER has no module $1"
	for d in $(tr '\0' '\n' < "$p" | grep -a '^depends=' | head -1 | cut -d= -f2 | tr , ' '); do
		moddeps "$d"
	done
	echo "$p"
}

# A guest that prints "GUEST-TICK N ok" every second on its console (hvc0
# for PV, the first serial port for HVM): after a restore the counter must go
# on from where the image was saved.  It waits with the shell's own read
# timeout on a FIFO, not with sleep: no process a tick, little work for TCG
# (and, with an HVM guest, fewer page-table walks through the emulated
# nested paging: see README.md).
build_guest_initrd() {
	local g=$WORK/guestroot
	mkdir -p boot
	zcat x/boot/xen-4.17-amd64.gz > boot/xen   # QEMU's multiboot loader wants the ELF
	cp x/boot/vmlinuz-"$KVER" boot/vmlinuz
	rm -rf "$g" && mkdir -p "$g"/{bin,proc,sys,dev}
	cp x/bin/busybox "$g/bin/busybox"
	cat > "$g/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
echo "GUEST-UP $(uname -r)"
mkfifo /tick && exec 3<>/tick
i=0
while :; do echo "GUEST-TICK $i ok"; i=$((i+1)); read -t 1 x <&3; done
EOF
	chmod +x "$g/init"
	(cd "$g" && find . | cpio -o -H newc --quiet | gzip -1) > boot/guest-initrd.gz
}

# The pool database: the two test VMs Running (as after a start), with the
# memory and vcpus of their xl configs, the HVM one's direct kernel boot in
# its platform map (as xl's kernel=, ramdisk=, cmdline=: its device model
# must be started with them to take its saved state); the rest from gen_pool.
make_pool_db() {
	local db=$1 uuids pv hvm
	rm -f "$db"
	uuids=$("$B/tests/gen_pool" --seed 9 --vms 2 --vdis 4 --suspended 2 "$db")
	pv=$(echo "$uuids" | sed -n 1p)
	hvm=$(echo "$uuids" | sed -n 2p)
	SIF_DB=$db "$B/bin/sif" db migrate >/dev/null
	sqlite3 "$db" "
		UPDATE VM SET power_state='Running', suspend_VDI='OpaqueRef:NULL', VCPUs__max='1'
		       WHERE uuid IN ('$pv', '$hvm');
		UPDATE VM SET name__label='sif-pv', domain_type='pv', HVM__boot_policy='',
		       memory__static_max='$((PV_MEM << 20))' WHERE uuid='$pv';
		UPDATE VM SET name__label='sif-hvm', domain_type='hvm', HVM__boot_policy='BIOS order',
		       memory__static_max='$((HVM_MEM << 20))',
		       platform='((''hvm-kernel'' ''/guest/vmlinuz'') (''hvm-ramdisk'' ''/guest/initrd.gz'') (''hvm-cmdline'' ''console=ttyS0 quiet''))'
		       WHERE uuid='$hvm';"
	H44=$(SIF_DB=$db "$B/bin/sif" host-list params=uuid,software-version |
		awk '/^uuid/{u=$NF} /xen: 4\.4\./ && !f {print u; f=1}')
	H417=$(SIF_DB=$db "$B/bin/sif" host-list params=uuid,software-version |
		awk '/^uuid/{u=$NF} /xen: 4\.17/ && !f {print u; f=1}')
	[ -n "$pv" ] && [ -n "$hvm" ] && [ -n "$H44" ] && [ -n "$H417" ] ||
		die "gen_pool: unexpected pool (VMs '$pv' '$hvm', hosts '$H44' '$H417')"
	PV_UUID=$pv HVM_UUID=$hvm
}

xl_configs() {
	local r=$1
	cat > "$r/t/pv.cfg" <<EOF
name = "sif-pv"
uuid = "$PV_UUID"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd.gz"
extra = "console=hvc0 quiet"
memory = $PV_MEM
vcpus = 1
on_crash = "preserve"
EOF
	# cpuid: TCG's SVM reports RDTSCP as an RDTSC intercept and Xen then
	# injects #GP; hap: Debian's Xen has no shadow paging (README.md)
	cat > "$r/t/hvm.cfg" <<EOF
name = "sif-hvm"
uuid = "$HVM_UUID"
type = "hvm"
device_model_version = "qemu-xen"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd.gz"
cmdline = "console=ttyS0 quiet"
memory = $HVM_MEM
vcpus = 1
hap = 1
serial = "pty"
vga = "none"
vnc = 0
sdl = 0
on_crash = "preserve"
cpuid = "host,rdtscp=0"
vkb_device = 0
EOF
}

build_dom0_initrd() {
	local mode=$1 r=$WORK/dom0root m p b l g
	PV_MEM=128 HVM_MEM=256
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,proc,sys,dev,run,tmp,mnt/host,etc/xen,var/lib/xen,var/lib/xenstored} \
		"$r"/{var/log/xen/console,var/run/xen,var/run/xenstored,lib/modules,guest,t,sif/bin}
	cp x/bin/busybox "$r/bin/busybox"
	copy_elf "$r" $XENBIN/xl $XENBIN/xenstored $XENBIN/xenconsoled $XENBIN/libxl-save-helper \
		$XENBIN/xen-init-dom0 $XENBIN/xenstore-control x/usr/bin/xenstore
	for b in read write ls list rm exists chmod watch; do ln -sf xenstore "$r/usr/bin/xenstore-$b"; done
	# pthread_cancel() dlopen()s libgcc_s (xl)
	g=$(ldconfig -p | awk '$1=="libgcc_s.so.1" && !f {print $NF; f=1}')
	install -D -m 755 "$g" "$r$g"
	cp x/etc/xen/xl.conf "$r/etc/xen/"
	cp -a x/etc/xen/scripts "$r/etc/xen/"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
	: > "$r/lib/modules/order"
	for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd 9pnet_virtio 9p virtio_pci; do
		for p in $(moddeps "$m"); do
			b=$(basename "$p")
			grep -qx "$b" "$r/lib/modules/order" ||
				{ cp "$p" "$r/lib/modules/"; echo "$b" >> "$r/lib/modules/order"; }
		done
	done
	cp boot/vmlinuz "$r/guest/vmlinuz"
	cp boot/guest-initrd.gz "$r/guest/initrd.gz"
	# HVM: qemu-xen at libxl's default path, hvmloader, SeaBIOS (hvmloader
	# gets it from libxl), the option ROM of direct kernel boot, the keymap
	# qemu loads even for -vnc none
	copy_elf "$r" x/usr/libexec/xen-qemu-system-i386
	install -D -m 644 x/usr/lib/xen-4.17/boot/hvmloader "$r/usr/lib/xen-4.17/boot/hvmloader"
	install -D -m 644 /usr/share/seabios/bios-256k.bin "$r/usr/share/seabios/bios-256k.bin"
	mkdir -p "$r/usr/share/qemu/keymaps"
	cp /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin "$r/usr/share/qemu/"
	cp /usr/share/qemu/keymaps/en-us "$r/usr/share/qemu/keymaps/"
	# sif: the command, its plugin, the Xen libraries its real backend
	# dlopen()s, the test generators; mke2fs for the ext2 legacy images
	mkdir -p "$r/sif/lib/sif/plugins" "$r/sif/tests"
	cp "$B/bin/sif" "$r/sif/bin/"
	cp "$B/lib/sif/plugins/suspend_image_format.so" "$r/sif/lib/sif/plugins/"
	copy_elf "$r" "$r/sif/bin/sif" "$r/sif/lib/sif/plugins/suspend_image_format.so"
	for l in libxenctrl.so.4.17 libxenguest.so.4.17 libxenstore.so.4; do
		p=$(ldconfig -p | awk -v l=$l '$1==l && !f {print $NF; f=1}')
		[ -n "$p" ] || die "no $l on this host (apt-get install libxen-dev)"
		install -D -m 755 "$(readlink -f "$p")" "$r$p"
		copy_elf "$r" "$p"
	done
	for b in gen_v1from2; do
		[ -x "$B/tests/$b" ] && cp "$B/tests/$b" "$r/sif/tests/" && copy_elf "$r" "$r/sif/tests/$b"
	done
	copy_elf "$r" /sbin/mke2fs
	# the scenarios and what they run on
	make_pool_db "$r/t/pool.db"
	xl_configs "$r"
	cat > "$r/t/env" <<EOF
MODE=$mode
PV_UUID=$PV_UUID
HVM_UUID=$HVM_UUID
PV_MEM=$PV_MEM
HVM_MEM=$HVM_MEM
H44=$H44
H417=$H417
KINDS="$KINDS"
SCENARIOS="${SIF_XEN_SCENARIOS:-}"
BENCH_REPS=${SIF_XEN_BENCH_REPS:-5}
EOF
	cp "$HERE"/dom0/*.sh "$r/t/"
	cp "$HERE/dom0/init" "$r/init"
	chmod +x "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet) > boot/dom0-initrd.cpio
	[ -n "${SIF_XEN_KEEP:-}" ] || rm -rf "$r"
}

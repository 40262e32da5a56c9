# The scenarios of issue 9 on a real Xen, chained on one boot of each guest
# kind K (pv, hvm).  The guest is a VM of the pool DB (uuid U, Running at
# the start), started by xl as any toolstack would start it; sif then
# suspends and resumes it through its real backend, over and over, and
# every resume must show the guest's counter going on from the tick at
# which that image was saved.
#
#   0  xl save K.xl, xl restore K.xl           the reference: xenstore, timing
#   a  vm-suspend -> raw; image verify; vm-resume (DB Running, VDI raw;
#      xenstore compared key by key with xl's); vm-suspend again -> A2
#   d  the A2 image as a migration from a Xen 4.17 host on stdin
#   c  A2's libxc stream rewritten as v1 (gen_v1from2) in a legacy image:
#      d  as a migration from a Xen 4.4 host (legacy stream on stdin)
#      e  in the VDI while the field still says raw: refused, nothing left
#      c  the field fixed (vdi-check --fix): vm-resume converts, runs on;
#         vm-suspend -> C
#      e  C's stream as a 64-bit-toolstack legacy image truncated in its
#         page data: refused, nothing left
#      c  the same image whole, inside an ext2 filesystem: runs on
#   v  (issue 12) vm-suspend -> V; V as a 32-bit legacy image, a raw file
#      (PV) or inside ext2 (HVM): vdi-convert turns it into a v2 image ahead
#      of time, the VDI points at it and says raw; vm-resume takes the plain
#      path, runs on
#   b  vm-suspend; the xl save file: image inspect, verify, wrap; vm-resume
#      --image of the xl file: runs on from the tick xl saved it at
# "Nothing left" is: no domain (xl list), no xenstore entry of it, the VM
# still Suspended and the pool DB byte for byte the same (cmp).

cfg_of() { echo /t/$1.cfg; }
name_of() { echo sif-$1; }
uuid_of() { case $1 in pv) echo $PV_UUID ;; hvm) echo $HVM_UUID ;; esac; }
GEN=/sif/tests/gen_v1from2

# xl_start KIND: xl create (infrastructure: retried, a half-made domain removed)
xl_start() {
	local k=$1 i
	for i in 1 2 3; do
		run xl create -e "$(cfg_of $k)" && return 0
		xl destroy "$(name_of $k)" 2>/dev/null
		sleep 1
	done
	fail "infrastructure: xl create $(cfg_of $k) failed 3 times"
}

# --- what sif said ----------------------------------------------------------
# the domain a resume or receive left running ("backend: xen; domain N running")
restored_domid() { sure sed -n 's/.*backend: *xen; domain \([0-9]*\) running.*/\1/p' /tmp/last.out; }
# the VDI vm-suspend recorded ("VDI <uuid> suspend-image-format=raw")
suspend_vdi() { sure sed -n 's/.*; VDI \([0-9a-f-]*\) suspend-image-format=.*/\1/p' /tmp/last.out; }

# --- saving and restoring through sif ----------------------------------------
# sif_suspend KIND IMAGE: vm-suspend; sets SAVED (the tick saved), VDI, the image verified
sif_suspend() {
	local k=$1 img=$2 u t
	u=$(uuid_of $k)
	t=$(up)
	sif_ok vm-suspend uuid=$u --image $img
	echo "TIME $k sif vm-suspend: $(el $t) s"
	VDI=$(suspend_vdi)
	[ -n "$VDI" ] || fail "vm-suspend named no VDI"
	expect "$(domid_of $(name_of $k))" = "" "a domain still runs VM $u after vm-suspend"
	tick_mark $k; SAVED=$T_LAST; OFF=$T_SIZE
	expect_vm_state $u Suspended
	expect "$(vdi_format $VDI)" = raw "VDI $VDI suspend-image-format after vm-suspend"
}

# resumed KIND WHAT: the domain sif restored runs on from SAVED; sets D
resumed() {
	D=$(restored_domid)
	[ -n "$D" ] || fail "$2: sif named no running domain"
	expect "$(domid_of $(name_of $1))" = "$D" "the domain named $(name_of $1) (xl list)"
	expect_runs_on $1 "$SAVED" "$OFF"
}

# sif_resume KIND [ARGS]: vm-resume (ARGS: --image ...); DB says Running
sif_resume() {
	local k=$1 u t
	u=$(uuid_of $k); shift
	t=$(up)
	sif_ok vm-resume uuid=$u "$@"
	echo "TIME $k sif vm-resume $*: $(el $t) s"
	resumed $k "vm-resume"
	expect_vm_state $u Running
	expect "$(vm_vdi $u)" = "OpaqueRef:NULL" "VM $u suspend-VDI after the resume"
}

# nothing_left KIND DBCOPY: after a refused restore
nothing_left() {
	local k=$1 u d p
	u=$(uuid_of $k)
	expect "$(domid_of $(name_of $k))" = "" "domain of VM $u after the failed restore (xl list: $(guest_domains))"
	xs_absent /vm/$u || fail "xenstore /vm/$u is left after the failed restore"
	for d in $(sure xenstore-list /local/domain) $(sure xenstore-list /local/domain/0/device-model); do
		[ "$d" = 0 ] || has_domain $d || fail "xenstore entries of domain $d are left, the domain is gone"
	done
	for p in $(sure pidof xen-qemu-system-i386); do
		d=$(sure tr '\0' '\n' < /proc/$p/cmdline | awk 'f {print; f=0} /^-xen-domid$/ {f=1}')
		has_domain $d || fail "a device model (pid $p) is left for domain $d, which is gone"
	done
	expect_vm_state $u Suspended
	cmp $SIF_DB $2 || fail "the pool DB changed in the failed restore"
	ok "no domain, no xenstore entries, VM Suspended, pool DB unchanged (cmp)"
}

# dm_cmdline DOMID: the command line of the domain's device model, if any
dm_cmdline() {
	local p=$(sure xenstore-read /local/domain/$1/image/device-model-pid 2>/dev/null)
	[ -n "$p" ] && [ -r /proc/$p/cmdline ] && tr '\0' ' ' < /proc/$p/cmdline && echo
	return 0
}

# --- legacy images -----------------------------------------------------------------
# legacy_of IMAGE WIDTH OUT: the guest of a raw image as a pre-4.5 host with
# a WIDTH-bit toolstack saved it (an HVM one's device state: the image's)
legacy_of() {
	[ -x $GEN ] || fail "no $GEN in this build: the legacy scenarios need the v2->v1 generator (tests/gen_v1from2.c)"
	run $GEN --width $2 --legacy-image $1 $3 || fail "gen_v1from2 --width $2 $1 failed"
}

# in_ext2 IMAGE OUT: IMAGE moved into a new ext2 filesystem OUT as its
# suspend-image file (e2fsprogs' mke2fs -d, as a pre-2014 host's VDI held it)
in_ext2() {
	rm -rf /tmp/ext2 && mkdir /tmp/ext2 && mv $1 /tmp/ext2/suspend-image
	run /sbin/mke2fs -q -t ext2 -b 4096 -d /tmp/ext2 $2 \
		$(( $(stat -c %s /tmp/ext2/suspend-image) / 4096 * 11 / 10 + 1024 )) ||
		fail "infrastructure: mke2fs"
	rm -rf /tmp/ext2
}

# --- the chain ------------------------------------------------------------------
xl_reference() {
	local k=$1 u t
	u=$(uuid_of $k)
	step "$k: the guest boots (xl create)"
	wait_ticks $k 3 || fail "the $k guest never ticked 3 times"
	ok "tick $T_LAST"
	step "$k 0: xl save, xl restore (the reference)"
	t=$(up)
	infra xl save "$(name_of $k)" /tmp/$k.xl
	echo "TIME $k xl save: $(el $t) s"
	tick_mark $k; SAVED=$T_LAST; OFF=$T_SIZE; XL_SAVED=$SAVED
	t=$(up)
	infra xl restore -e /tmp/$k.xl
	echo "TIME $k xl restore: $(el $t) s"
	expect_runs_on $k "$SAVED" "$OFF"
	D=$(domid_of "$(name_of $k)")
	xs_dump "$D" "$u" $OUT/xs-$k-xl.txt
	dm_cmdline $D > $OUT/qemu-$k-xl.txt
	ok "the guest runs on; xenstore of domain $D kept"
}

scenario_a() {
	local k=$1 u
	u=$(uuid_of $k)
	step "$k a: sif vm-suspend of the running guest (xl's domain) into a raw image"
	sif_suspend $k /tmp/$k-a1.raw
	sif_ok image verify /tmp/$k-a1.raw
	ok "VM Suspended, VDI $VDI raw, image verified, saved at tick $SAVED"
	step "$k a: sif vm-resume"
	sif_resume $k
	expect "$(vdi_format $VDI)" = raw "VDI $VDI suspend-image-format after the resume"
	rm -f /tmp/$k-a1.raw
	xs_dump "$D" "$u" $OUT/xs-$k-sif.txt
	if [ $k = hvm ]; then
		dm_cmdline $D > $OUT/qemu-$k-sif.txt
		echo "# device model, xl restore: $(cat $OUT/qemu-$k-xl.txt)"
		echo "# device model, sif:        $(cat $OUT/qemu-$k-sif.txt)"
	fi
	xs_compare $k $OUT/xs-$k-xl.txt $OUT/xs-$k-sif.txt
	ok "domain $D runs on; VM Running; xenstore as xl restore leaves it"
	step "$k a: sif vm-suspend again (sif's own domain)"
	sif_suspend $k /tmp/$k-a2.raw
	sif_ok image verify /tmp/$k-a2.raw
	A2_VDI=$VDI A2_SAVED=$SAVED
	ok "saved at tick $SAVED"
}

# d: migrations received on stdin; the received domain is then taken down
# (the pool DB does not record a migration: the VM stays Suspended)
receive() {
	local k=$1 host=$2 img=$3 what=$4 u t
	u=$(uuid_of $k)
	tick_mark $k; OFF=$T_SIZE
	t=$(up)
	echo "# cat $img | $SIF vm-migrate-receive --from-host $host --stream - --vm $u"
	cat $img | $SIF vm-migrate-receive --from-host $host --stream - --vm $u > /tmp/last.out 2>&1
	RC=$?; cat /tmp/last.out
	[ $RC = 0 ] || fail "vm-migrate-receive of $what exited $RC: $(grep -a '^sif:' /tmp/last.out | head -1)"
	echo "TIME $k sif vm-migrate-receive ($what): $(el $t) s"
	resumed $k "vm-migrate-receive"
	expect_vm_state $u Suspended
	infra xl destroy $D
	SAVED=$A2_SAVED
}

scenario_d_v2() {
	local k=$1
	step "$k d: vm-migrate-receive from a Xen 4.17 host (v2 stream on stdin)"
	SAVED=$A2_SAVED
	receive $k $H417 /tmp/$k-a2.raw "a v2 stream"
	ok "the guest runs on from tick $SAVED"
}

scenario_c_e() {
	local k=$1 u
	u=$(uuid_of $k)
	step "$k c: the guest's stream rewritten as a 32-bit toolstack's v1 (legacy image)"
	legacy_of /tmp/$k-a2.raw 32 /tmp/$k-c32.img
	sif_ok image verify /tmp/$k-c32.img
	ok
	step "$k d: vm-migrate-receive from a Xen 4.4 host (legacy stream on stdin)"
	SAVED=$A2_SAVED
	receive $k $H44 /tmp/$k-c32.img "a legacy stream"
	ok "converted on the fly; the guest runs on from tick $SAVED"
	step "$k e: the VDI holds the legacy image but its field says raw"
	mv /tmp/$k-c32.img /tmp/$k-a2.raw        # the VDI's content changes, not its record
	expect "$(vdi_format $A2_VDI)" = raw "VDI $A2_VDI suspend-image-format"
	cp $SIF_DB /tmp/db.before
	sif_fails vm-resume uuid=$u
	sure grep -q "suspend_image_format is raw but the image is legacy" /tmp/last.out ||
		fail "the refusal does not say what the field and the image are"
	nothing_left $k /tmp/db.before
	step "$k c: vdi-check --fix marks the VDI legacy; vm-resume converts and resumes"
	sif_ok vdi-check uuid=$A2_VDI --image /tmp/$k-a2.raw --fix
	expect "$(vdi_format $A2_VDI)" = legacy "VDI $A2_VDI suspend-image-format after vdi-check --fix"
	SAVED=$A2_SAVED; tick_mark $k; OFF=$T_SIZE
	sif_resume $k
	sure grep -q "converted from v1" /tmp/last.out || fail "vm-resume did not say it converted the v1 stream"
	expect "$(vdi_format $A2_VDI)" = legacy "VDI $A2_VDI suspend-image-format after the resume"
	rm -f /tmp/$k-a2.raw
	ok "domain $D runs on from tick $SAVED"
	step "$k c: vm-suspend; the new stream as a 64-bit toolstack's v1"
	sif_suspend $k /tmp/$k-c.raw
	C_VDI=$VDI C_SAVED=$SAVED
	legacy_of /tmp/$k-c.raw 64 /tmp/$k-c64.img
	ok "saved at tick $SAVED"
	step "$k e: a legacy image truncated in its page data"
	dd if=/tmp/$k-c64.img of=/tmp/$k-c.raw bs=1M count=$(( $(stat -c %s /tmp/$k-c64.img) / 2097152 )) 2>/dev/null ||
		fail "infrastructure: dd"
	sif_ok vdi-check uuid=$C_VDI --image /tmp/$k-c.raw --fix
	expect "$(vdi_format $C_VDI)" = legacy "VDI $C_VDI suspend-image-format after vdi-check --fix"
	cp $SIF_DB /tmp/db.before
	sif_fails vm-resume uuid=$u
	sure grep -q -i "truncated\|ended" /tmp/last.out || fail "the refusal does not say the image is truncated"
	nothing_left $k /tmp/db.before
	step "$k c: the whole 64-bit legacy image inside an ext2 filesystem (mke2fs -d)"
	rm -f /tmp/$k-c.raw
	in_ext2 /tmp/$k-c64.img /tmp/$k-c.raw
	sif_ok vdi-check uuid=$C_VDI --image /tmp/$k-c.raw
	SAVED=$C_SAVED; tick_mark $k; OFF=$T_SIZE
	sif_resume $k
	sure grep -q "legacy, ext2 container" /tmp/last.out || fail "vm-resume did not read an ext2 legacy image"
	rm -f /tmp/$k-c.raw
	ok "domain $D runs on from tick $SAVED"
}

# scenario_v KIND raw|ext2 WIDTH: a legacy image converted ahead of time
scenario_v() {
	local k=$1 orig=$2 w=$3 u loc
	u=$(uuid_of $k)
	step "$k v: a $w-bit legacy image ($orig original) converted by vdi-convert, then resumed"
	sif_suspend $k /tmp/$k-v.raw
	V_VDI=$VDI V_SAVED=$SAVED
	legacy_of /tmp/$k-v.raw $w /tmp/$k-v.img
	rm -f /tmp/$k-v.raw
	if [ $orig = ext2 ]; then
		in_ext2 /tmp/$k-v.img /tmp/$k-v.raw
	else
		mv /tmp/$k-v.img /tmp/$k-v.raw
	fi
	sif_ok vdi-check uuid=$V_VDI --image /tmp/$k-v.raw --fix
	expect "$(vdi_format $V_VDI)" = legacy "VDI $V_VDI suspend-image-format after vdi-check --fix"
	sif_ok vdi-convert uuid=$V_VDI --out /tmp/$k-v-$orig.conv --to raw
	expect "$(vdi_format $V_VDI)" = raw "VDI $V_VDI suspend-image-format after vdi-convert"
	loc=$($SIF vdi-param-get uuid=$V_VDI param-name=location 2>&1)
	expect "$loc" = /tmp/$k-v-$orig.conv "VDI $V_VDI location after vdi-convert"
	[ -s /tmp/$k-v.raw ] || fail "vdi-convert removed the original /tmp/$k-v.raw"
	expect "$(head -c 14 /tmp/$k-v-$orig.conv)" = "XenSavedDomv2-" "the converted image's signature"
	sif_ok image verify /tmp/$k-v-$orig.conv
	rm -f /tmp/$k-v.raw
	SAVED=$V_SAVED; tick_mark $k; OFF=$T_SIZE
	sif_resume $k
	sure grep -q "converted from v1" /tmp/last.out && fail "vm-resume converted again: the VDI holds a v2 image now"
	sure grep -q "^decision: *raw" /tmp/last.out || fail "vm-resume did not take the raw path: $(grep -a '^decision' /tmp/last.out)"
	rm -f /tmp/$k-v-$orig.conv
	ok "domain $D runs on from tick $SAVED"
}

scenario_b() {
	local k=$1 u
	u=$(uuid_of $k)
	step "$k b: the xl save file as it is: image inspect, verify, wrap"
	sif_suspend $k /tmp/$k-b.raw
	sif_ok image inspect /tmp/$k.xl
	sif_ok image verify /tmp/$k.xl
	sif_ok image wrap --format raw --libxc /tmp/$k.xl /tmp/$k-b.wrapped
	sif_ok image verify /tmp/$k-b.wrapped
	rm -f /tmp/$k-b.wrapped
	ok
	step "$k b: vm-resume --image of the xl save file"
	SAVED=$XL_SAVED; tick_mark $k; OFF=$T_SIZE
	sif_resume $k --image /tmp/$k.xl
	rm -f /tmp/$k-b.raw /tmp/$k.xl
	ok "domain $D runs on from tick $SAVED, where xl saved it"
}

chain() {
	local k=$1 s
	xl_reference $k
	for s in ${SCENARIOS:-a d c v b}; do
		case $s in
		a) scenario_a $k ;;
		d) scenario_d_v2 $k ;;
		c) scenario_c_e $k ;;
		v) if [ $k = pv ]; then scenario_v $k raw 32; else scenario_v $k ext2 32; fi ;;
		b) scenario_b $k ;;
		esac
	done
	echo "RESULT $k: every scenario passed"
}

check_all() {
	case " $KINDS " in *" pv "*) step "pv: xl create"; xl_start pv; ok; chain pv ;; esac
	case " $KINDS " in *" hvm "*) step "hvm: xl create"; xl_start hvm; ok; chain hvm ;; esac
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-run.sh - run one command as root inside a Debian kernel booted under qemu.
#
# The host kernel has no kprobes, so the kprobe code paths of rawtrace are tested in
# stock Debian kernels: the package is fetched with apt-get download, its bzImage is
# unpacked to an ELF vmlinux (qemu boots that through the PVH entry, skipping ~3 s of
# in-guest XZ decompression under TCG), and a busybox initramfs runs the command once,
# prints its exit code behind a per-run marker and powers off.
#
# Usage:
#   vm-run.sh [OPTIONS] [--] CMD [ARGS...]
#   vm-run.sh [OPTIONS] --sh 'shell script'
#   vm-run.sh [--kernel-pkg PKG] --prepare     fill the cache only; prints PKG and vmlinux
#
# Options:
#   --kernel-pkg PKG   Debian kernel package (default linux-image-amd64 = bookworm 6.1).
#                      Metapackages are resolved to the concrete image; SUITE:PKG (for
#                      example bullseye:linux-image-amd64) uses a private apt state for
#                      that suite under the cache; /etc/apt is never modified.
#   --add HOST[=GUEST] copy a file or directory into the guest (default: same absolute
#                      path). ELF files bring the libraries and loader that ldd lists.
#   --module NAME      insmod a module of that kernel (and its depends=) before CMD.
#   --env K=V          export K=V for CMD.
#   --smp N            guest CPUs (default 1; each extra one slows TCG boot down).
#   --mem SIZE         guest memory (default 512M).
#   --timeout S        kill the VM after S seconds (default 300).
#   --append ARGS      extra kernel parameters (e.g. initcall_debug to profile boot).
#   --log FILE         save the whole serial console there.
#   -v                 show boot console and harness steps on stderr.
# CMD is a guest command (busybox applet or --add'ed path) or a host file (copied in).
# The guest's working directory is the host's $PWD (created empty if nothing was added there).
#
# Exit status: CMD's own exit status; 124 if the VM timed out; 125 if the harness could
# not run, the kernel did not boot, or it panicked (the console tail goes to stderr).
#
# Environment: RAWTRACE_VM_CACHE (default /var/cache/rawtrace-vm), RAWTRACE_VM_KERNEL_PKG.
# Host packages: qemu-system-x86 busybox-static cpio xz-utils zstd.
set -euo pipefail

PROG=${0##*/}
CACHE=${RAWTRACE_VM_CACHE:-/var/cache/rawtrace-vm}
KPKG=${RAWTRACE_VM_KERNEL_PKG:-linux-image-amd64}
SMP=1 MEM=512M TIMEOUT=300 LOGFILE="" VERBOSE=0 SHSCRIPT="" PREPARE=0
ADDS=() MODULES=() ENVS=()
# Kernel command line: serial console; quiet boot; a panic (or an oops, e.g. from a bad
# probe) ends qemu at once instead of waiting for the timeout; skip work TCG makes slow.
KCMDLINE='console=ttyS0 quiet loglevel=3 panic=-1 oops=panic init_on_alloc=0 cryptomgr.notests 8250.nr_uarts=1'
RESOLVE_TTL_MIN=1440 # re-ask apt which concrete kernel a metapackage means once a day

die() { # message -> stderr, exit 125 (harness failure, distinct from CMD's codes)
	echo "$PROG: $*" >&2
	exit 125
}

log() { # verbose-only progress
	if [ "$VERBOSE" = 1 ]; then echo "$PROG: $*" >&2; fi
	return 0
}

usage() {
	sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit "${1:-0}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel-pkg | --add | --module | --env | --smp | --mem | --timeout | --log | --append | --sh)
			[ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value" ;;
		esac
		case $1 in
		--kernel-pkg) KPKG=$2; shift ;;
		--add) ADDS+=("$2"); shift ;;
		--module) MODULES+=("$2"); shift ;;
		--env)
			[[ $2 == [A-Za-z_]*=* ]] || die "--env needs K=V, got '$2'"
			ENVS+=("$2"); shift ;;
		--smp) SMP=$2; shift ;;
		--mem) MEM=$2; shift ;;
		--timeout) TIMEOUT=$2; shift ;;
		--log) LOGFILE=$2; shift ;;
		--append) KCMDLINE+=" $2"; shift ;;
		--sh) SHSCRIPT=$2; shift ;;
		--prepare) PREPARE=1 ;;
		-v | --verbose) VERBOSE=1 ;;
		-h | --help) usage 0 ;;
		--) shift; break ;;
		-*) echo "$PROG: unknown option $1" >&2; usage 125 >&2 ;;
		*) break ;;
		esac
		shift
	done
	CMD=("$@")
	if [ "$PREPARE" = 0 ]; then
		[ -n "$SHSCRIPT" ] || [ ${#CMD[@]} -gt 0 ] || die "no command (see --help)"
		[ -z "$SHSCRIPT" ] || [ ${#CMD[@]} -eq 0 ] || die "give either --sh SCRIPT or CMD, not both"
	fi
	[[ $SMP =~ ^[1-9][0-9]*$ ]] || die "--smp needs a positive number"
	[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout needs seconds"
}

# ---------------------------------------------------------------- host checks

need() { # command debian-package: fail early with the package to install
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: apt-get install --no-install-recommends $2"
}

check_host() {
	need qemu-system-x86_64 qemu-system-x86
	need cpio cpio
	need xz xz-utils
	need zstd zstd
	need flock util-linux
	need timeout coreutils
	need dpkg-deb dpkg
	need apt-get apt
	BUSYBOX=""
	local b
	for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && { BUSYBOX=$b; break; }; done
	[ -n "$BUSYBOX" ] || die "busybox not found: apt-get install --no-install-recommends busybox-static"
}

setup_cache() {
	if ! mkdir -p "$CACHE"/{debs,kernels,resolved,apt,initramfs} 2>/dev/null || [ ! -w "$CACHE" ]; then
		die "cache $CACHE is not writable (run as root or set RAWTRACE_VM_CACHE=\$HOME/.cache/rawtrace-vm)"
	fi
}

# ------------------------------------------------------------ kernel package

debian_mirror() { # -> base URL of the Debian archive the host's apt already uses
	local url
	url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
	echo "${url%/}"
}

use_suite() { # SUITE: point APT_OPTS at a private apt state for that Debian suite
	local suite=$1 dir="$CACHE/apt/$1" mirror keyring="/usr/share/keyrings/debian-archive-keyring.gpg"
	[[ $suite =~ ^[a-z][a-z0-9-]*$ ]] || die "bad suite name '$suite'"
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "no Debian mirror (…/debian) in /etc/apt/sources.list*; cannot reach suite $suite"
	mkdir -p "$dir"/{lists/partial,cache/archives/partial,parts}
	{
		echo "deb [signed-by=$keyring] $mirror $suite main"
		case $suite in
		sid | unstable | experimental) ;; # no updates or security suites
		*)
			echo "deb [signed-by=$keyring] $mirror $suite-updates main"
			echo "deb [signed-by=$keyring] ${mirror%/debian}/debian-security $suite-security main"
			;;
		esac
	} >"$dir/sources.list"
	# Own lists and own pkgcache: sharing Dir::Cache would rewrite the host's apt cache.
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=$dir/parts"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
	# apt stamps list files with the archive's date, so keep a stamp of our own.
	if [ -z "$(find "$dir/updated" -mmin -"$RESOLVE_TTL_MIN" 2>/dev/null)" ]; then
		echo "$PROG: apt-get update for $suite (private state in $dir)" >&2
		apt-get "${APT_OPTS[@]}" -q update >"$dir/update.log" 2>&1 ||
			die "apt-get update for suite $suite failed (see $dir/update.log)"
		touch "$dir/updated"
	fi
}

resolve_pkg() { # PKG -> concrete linux-image-<version> package (answer cached 24 h)
	local pkg=$1 stamp="$CACHE/resolved/${SUITE:-host}_$1" out dep
	if [ -n "$(find "$stamp" -mmin -"$RESOLVE_TTL_MIN" 2>/dev/null)" ]; then
		cat "$stamp"
		return
	fi
	# A metapackage depends on the next package in the chain; a concrete image (the one
	# that ships boot/vmlinuz) depends on no linux-image-*.
	while out=$(apt-cache ${APT_OPTS[@]+"${APT_OPTS[@]}"} depends --no-recommends --no-suggests "$pkg" 2>/dev/null) &&
		dep=$(awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }' <<<"$out") && [ -n "$dep" ]; do
		pkg=$dep
	done
	if [ -z "$out" ]; then
		# apt knows nothing (lists gone): an older answer beats failing
		if [ -s "$stamp" ]; then cat "$stamp"; return; fi
		die "apt does not know $1${SUITE:+ in $SUITE} (try apt-get update, or apt-cache policy '$1')"
	fi
	echo "$pkg" >"$stamp"
	echo "$pkg"
}

fetch_deb() { # PKG -> path of its .deb in the cache (downloads it once)
	local pkg=$1 deb
	deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		echo "$PROG: downloading $pkg${SUITE:+ ($SUITE)} into $CACHE/debs" >&2
		# into a scratch dir first, so an interrupted download never looks cached
		local dl
		dl=$(mktemp -d "$CACHE/debs/.download.XXXXXX")
		if ! (cd "$dl" && apt-get ${APT_OPTS[@]+"${APT_OPTS[@]}"} -q -o APT::Sandbox::User=root download "$pkg" >&2); then
			rm -rf "$dl"
			die "apt-get download $pkg failed (index out of date? try apt-get update)"
		fi
		mv "$dl"/*.deb "$CACHE/debs/" && rm -rf "$dl"
		deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -1 || true)
		[ -n "$deb" ] || die "apt-get download $pkg left no .deb in $CACHE/debs"
	fi
	echo "$deb"
}

find_vmlinuz() { # extracted tree -> its bzImage ('' if none)
	ls "$1"/boot/vmlinuz-* "$1"/usr/lib/modules/*/vmlinuz "$1"/lib/modules/*/vmlinuz 2>/dev/null | head -1 || true
}

extract_deb_tree() { # DEB DIR: unpack the package, plus split-out binary/modules packages
	local deb=$1 dir=$2 dep
	echo "$PROG: extracting $(basename "$deb")" >&2
	dpkg-deb -x "$deb" "$dir" || die "dpkg-deb -x $deb failed (delete that .deb to fetch it again)"
	# Newer packaging (sid) moves vmlinuz and modules into linux-binary-*/linux-modules-*.
	[ -z "$(find_vmlinuz "$dir")" ] || return 0
	local deps part
	deps=$(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | awk '$1 ~ /^linux-(binary|modules)-/ { print $1 }')
	for dep in $deps; do
		part=$(fetch_deb "$dep")
		extract_deb_tree "$part" "$dir"
	done
}

is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

extract_vmlinux() { # BZIMAGE OUT: decompress the payload into an ELF vmlinux
	local bz=$1 out=$2 off tool tmp="$2.tmp.$$"
	# Like scripts/extract-vmlinux: try each XZ (fd 37 7a 58 5a 00) or ZSTD (28 b5 2f fd)
	# magic; the first candidate that decompresses to an ELF file is the kernel.
	for tool in xz zstd; do
		for off in $(payload_offsets "$bz" "$tool"); do
			# The setup data after the payload makes the tools complain once they are
			# done, so judge by the output rather than by the exit status.
			if [ "$tool" = xz ]; then
				tail -c +$((off + 1)) "$bz" | xz -dcq --single-stream >"$tmp" 2>/dev/null || true
			else
				tail -c +$((off + 1)) "$bz" | zstd -dcq >"$tmp" 2>/dev/null || true
			fi
			if is_elf "$tmp"; then
				mv "$tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$tmp"
	return 1
}

payload_offsets() { # BZIMAGE xz|zstd -> byte offsets of that compressor's magic
	local magic='\xfd7zXZ\x00'
	[ "$2" = xz ] || magic='\x28\xb5\x2f\xfd'
	LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1 || true
}

prepare_kernel() { # sets KDIR VMLINUX MODDIR KDESC; fills the cache under the lock
	local pkg=$KPKG deb
	SUITE="" APT_OPTS=()
	if [[ $pkg == *:* ]]; then
		SUITE=${pkg%%:*} pkg=${pkg#*:}
		use_suite "$SUITE"
	fi
	pkg=$(resolve_pkg "$pkg")
	KDESC=$pkg${SUITE:+ ($SUITE)}
	KDIR="$CACHE/kernels/$pkg"
	if [ ! -f "$KDIR/.ready" ]; then
		deb=$(fetch_deb "$pkg")
		rm -rf "$KDIR"
		mkdir -p "$KDIR"
		extract_deb_tree "$deb" "$KDIR"
		local bz
		bz=$(find_vmlinuz "$KDIR")
		[ -n "$bz" ] || die "$pkg: no boot/vmlinuz-* in the package"
		extract_vmlinux "$bz" "$KDIR/vmlinux" || die "$pkg: found no XZ/ZSTD payload in $bz that decompresses to ELF"
		touch "$KDIR/.ready"
	fi
	VMLINUX="$KDIR/vmlinux"
	MODDIR=$(ls -d "$KDIR"/lib/modules/* "$KDIR"/usr/lib/modules/* 2>/dev/null | head -1 || true)
}

# ----------------------------------------------------------------- initramfs

# /init of the guest. The begin/end markers carry a per-run token (from the overlay),
# so CMD printing something marker-like cannot confuse the host-side parser.
INIT_SH='#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# files staged under /tmp (host paths kept) would vanish under the new tmpfs: carry them over
if [ -n "$(ls -A /tmp)" ]; then
	mv /tmp /rtvm/tmp && mkdir /tmp && mount -t tmpfs tmpfs /tmp && cp -a /rtvm/tmp/. /tmp/ && rm -rf /rtvm/tmp
else
	mount -t tmpfs tmpfs /tmp
fi
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up 2>/dev/null
while read -r m; do
	insmod "/rtvm/modules/$m.ko" || echo "rtvm-init: insmod $m failed"
done </rtvm/modules.list
tok=$(cat /rtvm/token)
echo "@@RTVM-$tok-BEGIN@@ $(uname -r)"
sh /rtvm/cmd.sh </dev/null
rc=$?
echo "@@RTVM-$tok-END rc=$rc@@"
sync
poweroff -f
sleep 10
'

make_skeleton() { # DIR: top-level dirs, with the host merged-/usr symlinks mirrored so
	# that the library paths ldd prints on the host resolve the same way in the guest
	local root=$1 d t
	mkdir -p "$root"/{proc,sys,dev,tmp,run,root,etc,mnt,usr/bin,usr/sbin,rtvm/modules}
	for d in bin sbin lib lib64; do
		if [ -L "/$d" ]; then
			t=$(readlink "/$d")
			mkdir -p "$root/${t#/}"
			ln -sfn "$t" "$root/$d"
		else
			mkdir -p "$root/$d"
		fi
	done
}

write_cpio() { # DIR -> newc archive on stdout, owned by root, in stable order
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet)
}

base_initramfs() { # -> path of the cached base archive (busybox + applets + /init)
	local key base tmp a
	# keyed on busybox's identity (not its contents: hashing 2 MB per run is not free)
	key=$({ stat -L -c '%i %s %Y' "$BUSYBOX"; echo "$INIT_SH"; readlink /bin /sbin /lib /lib64 || true; } | md5sum | cut -c1-16)
	base="$CACHE/initramfs/base-$key.cpio"
	if [ ! -s "$base" ]; then
		# The initramfs has no libc, so a dynamically linked busybox cannot run there.
		if ldd "$BUSYBOX" >/dev/null 2>&1; then
			die "$BUSYBOX is dynamically linked: apt-get install --no-install-recommends busybox-static"
		fi
		tmp=$(mktemp -d "$WORK/base.XXXX")
		make_skeleton "$tmp"
		cp "$BUSYBOX" "$tmp/bin/busybox"
		for a in $("$BUSYBOX" --list); do
			[ -e "$tmp/bin/$a" ] || ln -s busybox "$tmp/bin/$a"
		done
		echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/etc/passwd"
		echo 'root:x:0:' >"$tmp/etc/group"
		printf '%s' "$INIT_SH" >"$tmp/init"
		chmod 755 "$tmp/init"
		write_cpio "$tmp" >"$base.$$" && mv "$base.$$" "$base"
		rm -rf "$tmp"
	fi
	echo "$base"
}

stage_file() { # HOST GUEST: copy one file (symlinks followed) into the overlay
	mkdir -p "$ROOT$(dirname "$2")"
	cp -L --remove-destination "$1" "$ROOT$2"
}

stage_libs() { # ELF: stage the shared libraries and loader ldd lists, at their host paths
	local f=$1 out line lib
	is_elf "$f" || return 0
	out=$(ldd "$f" 2>/dev/null) || return 0 # static, or not a program of this ABI
	while IFS= read -r line; do
		case $line in
		*"=> not found"*) die "$f needs ${line%%=>*}, which ldd cannot find" ;;
		*"=> /"*) lib=${line#*=> } ;;
		*[[:space:]]/*) lib=/${line#*/} ;; # the loader: "/lib64/ld-linux-x86-64.so.2 (0x…)"
		*) continue ;;                    # linux-vdso.so.1 and friends
		esac
		lib=${lib%% (*}
		[ -e "$ROOT$lib" ] || stage_file "$lib" "$lib"
	done <<<"$out"
}

stage_add() { # HOST[=GUEST]
	local spec=$1 src dst f
	src=${spec%%=*}
	if [ "$src" = "$spec" ]; then dst=$(realpath -s "$src"); else dst=${spec#*=}; fi
	[ -e "$src" ] || die "--add: no such file or directory: $src"
	[[ $dst == /* ]] || die "--add: guest path must be absolute: $dst"
	# /init mounts proc, sysfs and devtmpfs over these
	case $dst/ in /proc/* | /sys/* | /dev/*) die "--add: $dst would be hidden by a mount in the guest" ;; esac
	if [ -d "$src" ]; then
		mkdir -p "$ROOT$dst"
		cp -RL --preserve=mode "$src"/. "$ROOT$dst"/
		while IFS= read -r -d '' f; do stage_libs "$f"; done < <(find -L "$src" -type f -perm -u+x -print0)
	else
		stage_file "$src" "$dst"
		stage_libs "$src"
	fi
	log "added $src as $dst"
}

# Modules: the .deb has no modules.dep (depmod runs in postinst), so dependencies come
# from the depends= field of each module's .modinfo section.
declare -A MOD_SEEN=()
stage_module() { # NAME: stage NAME.ko after its dependencies; append to modules.list
	local name=${1//-/_} ko plain deps d
	[ -z "${MOD_SEEN[$name]:-}" ] || return 0
	MOD_SEEN[$name]=1
	ko=$(find "$MODDIR/kernel" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) -print -quit)
	if [ -z "$ko" ]; then
		if grep -qE "/(${name}|${name//_/-})\.ko" "$MODDIR/modules.builtin" 2>/dev/null; then
			log "module $name is built in"
			return 0
		fi
		die "module $name: not found under $MODDIR/kernel and not built in"
	fi
	# busybox insmod cannot read compressed modules (6.12 ships .ko.xz)
	plain="$ROOT/rtvm/modules/$name.ko"
	case $ko in
	*.ko.xz) xz -dcq "$ko" >"$plain" ;;
	*.ko.zst) zstd -dcq "$ko" >"$plain" ;;
	*.ko.gz) gzip -dc "$ko" >"$plain" ;;
	*) cp "$ko" "$plain" ;;
	esac
	deps=$(LC_ALL=C grep -ao 'depends=[^[:cntrl:]]*' "$plain" | head -1 | cut -d= -f2 || true)
	# dependencies first, so their insmod comes earlier in modules.list
	for d in ${deps//,/ }; do stage_module "$d"; done
	echo "$name" >>"$ROOT/rtvm/modules.list"
	log "module $name${deps:+ (after $deps)}"
}

shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

write_cmd_script() { # the guest's /rtvm/cmd.sh: cwd, environment, then CMD or --sh
	local w
	mkdir -p "$ROOT$PWD"
	{
		echo "cd $(shell_quote "$PWD") || cd /"
		echo "export RTVM_GUEST=1"
		for w in ${ENVS[@]+"${ENVS[@]}"}; do echo "export $(shell_quote "$w")"; done
		if [ -n "$SHSCRIPT" ]; then
			printf '%s\n' "$SHSCRIPT"
		else
			printf 'exec'
			for w in "${CMD[@]}"; do printf ' %s' "$(shell_quote "$w")"; done
			echo
		fi
	} >"$ROOT/rtvm/cmd.sh"
}

stage_command() { # a CMD naming a host file is copied to the same path in the guest
	[ ${#CMD[@]} -gt 0 ] && [[ ${CMD[0]} == */* ]] || return 0
	local abs
	abs=$(realpath -s "${CMD[0]}")
	CMD[0]=$abs
	if [ -e "$ROOT$abs" ] || [ -L "$ROOT$abs" ]; then return 0; fi # --add'ed
	# /bin/sh, /sbin/insmod, ... mean the guest's busybox, not the host's programs
	case ${abs%/*} in
	/bin | /sbin | /usr/bin | /usr/sbin)
		if "$BUSYBOX" --list | grep -qxF "${abs##*/}"; then return 0; fi ;;
	esac
	[ -f "$abs" ] || die "command not found on the host nor added to the guest: ${CMD[0]}"
	stage_add "$abs"
}

build_initramfs() { # -> $WORK/initrd.cpio = cached base + this run's overlay
	local base m
	ROOT="$WORK/overlay"
	make_skeleton "$ROOT"
	: >"$ROOT/rtvm/modules.list"
	TOKEN=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	echo "$TOKEN" >"$ROOT/rtvm/token"
	for m in ${ADDS[@]+"${ADDS[@]}"}; do stage_add "$m"; done
	stage_command
	if [ ${#MODULES[@]} -gt 0 ]; then
		[ -n "$MODDIR" ] && [ -d "$MODDIR/kernel" ] || die "$KDESC ships no modules tree"
		for m in "${MODULES[@]}"; do stage_module "$m"; done
	fi
	write_cmd_script
	base=$(base_initramfs)
	# The kernel unpacks concatenated newc archives in order: overlay files win.
	{ cat "$base"; write_cpio "$ROOT"; } >"$WORK/initrd.cpio"
}

# ----------------------------------------------------------------------- boot

run_qemu() { # boots, streams CMD's output to stdout; sets QEMU_RC, CONSOLE, WALL
	local accel=tcg cpu=max t0 t1
	# Same script is fast where KVM exists (not on the reference host).
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm cpu=host; fi
	CONSOLE="$WORK/console.log"
	local qargs=(-nodefaults -nographic -no-reboot -monitor none -serial stdio
		-machine pc -accel "$accel" -cpu "$cpu" -smp "$SMP" -m "$MEM"
		-kernel "$VMLINUX" -initrd "$WORK/initrd.cpio" -append "$KCMDLINE")
	log "kernel $KDESC: $VMLINUX"
	log "qemu-system-x86_64 ${qargs[*]}"
	t0=$(date +%s%N)
	set +e
	# stdin from /dev/null: with a terminal there, -serial stdio would put it in raw mode.
	# --foreground keeps qemu in our process group so ^C reaches it.
	# qemu's own messages go to a file of their own so they never mix with CMD's output.
	timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 "${qargs[@]}" </dev/null 2>"$WORK/qemu.err" |
		awk -v logf="$CONSOLE" -v verbose="$VERBOSE" -v begin="@@RTVM-$TOKEN-BEGIN@@" -v end="@@RTVM-$TOKEN-END" '
			# drop CRs and the terminal escapes SeaBIOS prints (screen clears, colours)
			{ gsub(/\r/, ""); gsub(/\033(\[[0-9;?]*[A-Za-z]|c)/, ""); print > logf; fflush(logf) }
			index($0, end)   { inside = 0; next }
			inside           { print; fflush(); next }
			index($0, begin) { inside = 1; next }
			verbose == 1     { print > "/dev/stderr"; fflush("/dev/stderr") }'
	QEMU_RC=${PIPESTATUS[0]}
	set -e
	t1=$(date +%s%N)
	WALL=$(((t1 - t0) / 10000000))
	WALL="$((WALL / 100)).$(printf '%02d' $((WALL % 100)))"
	if [ -s "$WORK/qemu.err" ]; then cat "$WORK/qemu.err" >>"$CONSOLE"; fi
	if [ -n "$LOGFILE" ]; then cp "$CONSOLE" "$LOGFILE"; fi
}

finish() { # exit with CMD's status, or explain why there is none
	local rc tail_n=40
	rc=$(grep -ao "@@RTVM-$TOKEN-END rc=[0-9]*@@" "$CONSOLE" | tail -1 | grep -o '[0-9]*@@$' | tr -d @ || true)
	if [ -n "$rc" ]; then
		log "exit $rc after ${WALL}s ($KDESC)"
		exit "$rc"
	fi
	local started=0
	if grep -qa "@@RTVM-$TOKEN-BEGIN@@" "$CONSOLE"; then started=1; fi
	if [ "$QEMU_RC" = 124 ] || [ "$QEMU_RC" = 137 ]; then
		echo "$PROG: TIMEOUT: VM killed after ${TIMEOUT}s ($KDESC; command started: $started)" >&2
		rc=124
	elif grep -qa 'Kernel panic' "$CONSOLE"; then
		echo "$PROG: KERNEL PANIC after ${WALL}s ($KDESC; command started: $started)" >&2
		rc=125
	else
		echo "$PROG: VM ended without an exit marker after ${WALL}s (qemu status $QEMU_RC; $KDESC)" >&2
		rc=125
	fi
	# Once the command had started its output (panic included) was already streamed.
	if [ "$started" = 0 ] || [ "$rc" = 124 ]; then
		echo "---- last $tail_n console lines ----" >&2
		tail -n "$tail_n" "$CONSOLE" >&2
	fi
	exit "$rc"
}

main() {
	parse_args "$@"
	check_host
	setup_cache
	# One cache filler at a time; the lock is dropped before the (long) VM run.
	exec {lockfd}>"$CACHE/lock"
	flock "$lockfd"
	prepare_kernel
	if [ "$PREPARE" = 1 ]; then
		echo "$KDESC $VMLINUX"
		exit 0
	fi
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtvm.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM
	build_initramfs
	exec {lockfd}>&-
	run_qemu
	finish
}

main "$@"

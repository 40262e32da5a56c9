/*
 * The tables of xapi's database and their columns (schema 5.909), for the
 * state.db fixture generator: table name, whether xapi persists its rows,
 * and the columns as "name:kind" with kind s string, i int, b bool, f float,
 * d datetime, r ref, S set, M map, e=a|b|c enum (values in declaration
 * order).  `_ref` is not listed: every table has it.
 *
 * Facts taken from xen-api's ocaml/idl/datamodel*.ml (HEAD e2ee48d6) by
 * walking the create_obj calls (fields, namespaces joined with "__"); a
 * handful of enum types were checked by hand.  Tables in byte order.
 */
#ifndef SIF_TEST_XAPI_SCHEMA_H
#define SIF_TEST_XAPI_SCHEMA_H

struct xapi_table_def {
	const char *name;
	int persist;            /* 0: xapi writes the table with no rows */
	int ncols;
	const char *cols;
};

static const struct xapi_table_def xapi_tables[] = {
	{ "Bond", 1, 9,
	  "auto_update_mac:b links_up:i master:r "
	  "mode:e=balance-slb|active-backup|lacp other_config:M "
	  "primary_slave:r properties:M slaves:S uuid:s " },
	{ "Caller", 1, 9,
	  "auto_registered:b client_ip:s groups:S last_access:d "
	  "name__description:s name__label:s rate_limit:r user_agent:s "
	  "uuid:s " },
	{ "Certificate", 1, 10,
	  "fingerprint:s fingerprint_sha1:s fingerprint_sha256:s host:r "
	  "name:s not_after:d not_before:d purpose:S "
	  "type:e=ca|host|host_internal|pinned uuid:s " },
	{ "Cluster", 1, 17,
	  "allowed_operations:S cluster_config:M cluster_hosts:S "
	  "cluster_stack:s cluster_stack_version:i cluster_token:s "
	  "current_operations:M expected_hosts:i is_quorate:b live_hosts:i "
	  "other_config:M pending_forget:S pool_auto_join:b quorum:i "
	  "token_timeout:f token_timeout_coefficient:f uuid:s " },
	{ "Cluster_host", 1, 11,
	  "PIF:r allowed_operations:S cluster:r current_operations:M "
	  "enabled:b host:r joined:b last_update_live:d live:b "
	  "other_config:M uuid:s " },
	{ "DR_task", 1, 2,
	  "introduced_SRs:S uuid:s " },
	{ "Driver_variant", 1, 7,
	  "driver:r hardware_present:b name:s priority:f status:s uuid:s "
	  "version:s " },
	{ "Feature", 1, 7,
	  "enabled:b experimental:b host:r name__description:s name__label:s "
	  "uuid:s version:s " },
	{ "GPU_group", 1, 10,
	  "GPU_types:S PGPUs:S VGPUs:S "
	  "allocation_algorithm:e=breadth_first|depth_first "
	  "enabled_VGPU_types:S name__description:s name__label:s "
	  "other_config:M supported_VGPU_types:S uuid:s " },
	{ "Host_driver", 1, 10,
	  "active_variant:r description:s friendly_name:s host:r info:s "
	  "name:s selected_variant:r type:s uuid:s variants:S " },
	{ "LVHD", 1, 1,
	  "uuid:s " },
	{ "Observer", 1, 8,
	  "attributes:M components:S enabled:b endpoints:S hosts:S "
	  "name__description:s name__label:s uuid:s " },
	{ "PBD", 1, 6,
	  "SR:r currently_attached:b device_config:M host:r other_config:M "
	  "uuid:s " },
	{ "PCI", 1, 21,
	  "attached_VMs:S class_id:s class_name:s dependencies:S device_id:s "
	  "device_name:s driver_name:s functions:i host:r other_config:M "
	  "pci_id:s physical_function:r scheduled_to_be_attached_to:r "
	  "subsystem_device_id:s subsystem_device_name:s "
	  "subsystem_vendor_id:s subsystem_vendor_name:s uuid:s vendor_id:s "
	  "vendor_name:s virtual_functions:S " },
	{ "PGPU", 1, 13,
	  "GPU_group:r PCI:r compatibility_metadata:M "
	  "dom0_access:e=enabled|disable_on_reboot|disabled|enable_on_reboot "
	  "enabled_VGPU_types:S host:r is_system_display_device:b "
	  "other_config:M resident_VGPUs:S size:i "
	  "supported_VGPU_max_capacities:M supported_VGPU_types:S uuid:s " },
	{ "PIF", 1, 36,
	  "DNS:s IP:s IPv6:S MAC:s MTU:i PCI:r VLAN:i VLAN_master_of:r "
	  "VLAN_slave_of:S bond_master_of:S bond_slave_of:r capabilities:S "
	  "currently_attached:b device:s device_name:s disallow_unplug:b "
	  "gateway:s host:r igmp_snooping_status:e=enabled|disabled|unknown "
	  "ip_configuration_mode:e=None|DHCP|Static "
	  "ipv6_configuration_mode:e=None|Static|Autoconf ipv6_gateway:s "
	  "managed:b management:b metrics:r netmask:s network:r "
	  "other_config:M physical:b primary_address_type:e=IPv4|IPv6 "
	  "properties:M sriov_logical_PIF_of:S sriov_physical_PIF_of:S "
	  "tunnel_access_PIF_of:S tunnel_transport_PIF_of:S uuid:s " },
	{ "PIF_metrics", 1, 13,
	  "carrier:b device_id:s device_name:s duplex:b io__read_kbs:f "
	  "io__write_kbs:f last_updated:d other_config:M pci_bus_path:s "
	  "speed:i uuid:s vendor_id:s vendor_name:s " },
	{ "PUSB", 1, 14,
	  "USB_group:r description:s host:r other_config:M "
	  "passthrough_enabled:b path:s product_desc:s product_id:s serial:s "
	  "speed:f uuid:s vendor_desc:s vendor_id:s version:s " },
	{ "PVS_cache_storage", 1, 6,
	  "SR:r VDI:r host:r site:r size:i uuid:s " },
	{ "PVS_proxy", 1, 5,
	  "VIF:r currently_attached:b site:r "
	  "status:e=stopped|initialised|caching|incompatible_write_cache_mode|incompatible_protocol_version "
	  "uuid:s " },
	{ "PVS_server", 1, 5,
	  "addresses:S first_port:i last_port:i site:r uuid:s " },
	{ "PVS_site", 1, 7,
	  "PVS_uuid:s cache_storage:S name__description:s name__label:s "
	  "proxies:S servers:S uuid:s " },
	{ "Rate_limit", 1, 6,
	  "burst_size:f callers:S fill_rate:f name__description:s "
	  "name__label:s uuid:s " },
	{ "Repository", 1, 11,
	  "binary_url:s certificate:s gpgkey_path:s hash:s "
	  "name__description:s name__label:s "
	  "origin:e=remote|bundle|remote_pool source_url:s up_to_date:b "
	  "update:b uuid:s " },
	{ "SDN_controller", 1, 4,
	  "address:s port:i protocol:e=ssl|pssl uuid:s " },
	{ "SM", 1, 16,
	  "capabilities:S configuration:M copyright:s driver_filename:s "
	  "features:M host_pending_features:M name__description:s "
	  "name__label:s other_config:M required_api_version:s "
	  "required_cluster_stack:S supported_image_formats:S type:s uuid:s "
	  "vendor:s version:s " },
	{ "SR", 1, 22,
	  "PBDs:S VDIs:S allowed_operations:S blobs:M clustered:b "
	  "content_type:s current_operations:M default_vdi_visibility:b "
	  "introduced_by:r is_tools_sr:b local_cache_enabled:b "
	  "name__description:s name__label:s other_config:M physical_size:i "
	  "physical_utilisation:i shared:b sm_config:M tags:S type:s uuid:s "
	  "virtual_allocation:i " },
	{ "USB_group", 1, 6,
	  "PUSBs:S VUSBs:S name__description:s name__label:s other_config:M "
	  "uuid:s " },
	{ "VBD", 1, 23,
	  "VDI:r VM:r allowed_operations:S bootable:b current_operations:M "
	  "currently_attached:b device:s empty:b metrics:r mode:e=RO|RW "
	  "other_config:M qos__algorithm_params:M qos__algorithm_type:s "
	  "qos__supported_algorithms:S reserved:b runtime_properties:M "
	  "status_code:i status_detail:s storage_lock:b "
	  "type:e=CD|Disk|Floppy unpluggable:b userdevice:s uuid:s " },
	{ "VBD_metrics", 0, 5,
	  "io__read_kbs:f io__write_kbs:f last_updated:d other_config:M "
	  "uuid:s " },
	{ "VDI", 1, 32,
	  "SR:r VBDs:S allow_caching:b allowed_operations:S cbt_enabled:b "
	  "crash_dumps:S current_operations:M is_a_snapshot:b is_tools_iso:b "
	  "location:s managed:b metadata_latest:b metadata_of_pool:r "
	  "missing:b name__description:s name__label:s "
	  "on_boot:e=reset|persist other_config:M parent:r "
	  "physical_utilisation:i read_only:b sharable:b sm_config:M "
	  "snapshot_of:r snapshot_time:d snapshots:S storage_lock:b tags:S "
	  "type:e=system|user|ephemeral|suspend|crashdump|ha_statefile|metadata|redo_log|rrd|pvs_cache|cbt_metadata "
	  "uuid:s virtual_size:i xenstore_data:M " },
	{ "VGPU", 1, 12,
	  "GPU_group:r PCI:r VM:r compatibility_metadata:M "
	  "currently_attached:b device:s extra_args:s other_config:M "
	  "resident_on:r scheduled_to_be_resident_on:r type:r uuid:s " },
	{ "VGPU_type", 1, 19,
	  "VGPUs:S compatible_types_in_vm:S compatible_types_on_pgpu:S "
	  "enabled_on_GPU_groups:S enabled_on_PGPUs:S experimental:b "
	  "framebuffer_size:i identifier:s "
	  "implementation:e=passthrough|nvidia|nvidia_sriov|gvt_g|mxgpu "
	  "internal_config:M max_heads:i max_resolution_x:i "
	  "max_resolution_y:i model_name:s size:i supported_on_GPU_groups:S "
	  "supported_on_PGPUs:S uuid:s vendor_name:s " },
	{ "VIF", 1, 30,
	  "MAC:s MAC_autogenerated:b MTU:i VM:r allowed_operations:S "
	  "current_operations:M currently_attached:b device:s "
	  "ipv4_addresses:S ipv4_allowed:S "
	  "ipv4_configuration_mode:e=None|Static|DHCP ipv4_gateway:s "
	  "ipv6_addresses:S ipv6_allowed:S "
	  "ipv6_configuration_mode:e=None|Static|Autoconf ipv6_gateway:s "
	  "locking_mode:e=network_default|locked|unlocked|disabled metrics:r "
	  "network:r other_config:M qos__algorithm_params:M "
	  "qos__algorithm_type:s qos__supported_algorithms:S reserved:b "
	  "reserved_pci:r runtime_properties:M status_code:i status_detail:s "
	  "trunks:S uuid:s " },
	{ "VIF_metrics", 0, 5,
	  "io__read_kbs:f io__write_kbs:f last_updated:d other_config:M "
	  "uuid:s " },
	{ "VLAN", 1, 5,
	  "other_config:M tag:i tagged_PIF:r untagged_PIF:r uuid:s " },
	{ "VM", 1, 93,
	  "HVM__boot_params:M HVM__boot_policy:s HVM__shadow_multiplier:f "
	  "NVRAM:M PCI_bus:s PV__args:s PV__bootloader:s "
	  "PV__bootloader_args:s PV__kernel:s PV__legacy_args:s "
	  "PV__ramdisk:s VBDs:S VCPUs__at_startup:i VCPUs__max:i "
	  "VCPUs__params:M VGPUs:S VIFs:S VTPMs:S VUSBs:S "
	  "actions__after_crash:e=destroy|coredump_and_destroy|restart|coredump_and_restart|preserve|rename_restart "
	  "actions__after_reboot:e=destroy|restart "
	  "actions__after_shutdown:e=destroy|restart "
	  "actions__after_softreboot:e=soft_reboot|destroy|restart|preserve "
	  "affinity:r allowed_operations:S appliance:r attached_PCIs:S "
	  "bios_strings:M blobs:M blocked_operations:M children:S consoles:S "
	  "crash_dumps:S current_operations:M "
	  "domain_type:e=hvm|pv|pv_in_pvh|pvh|unspecified domarch:s domid:i "
	  "generation_id:s groups:S guest_metrics:r ha_always_run:b "
	  "ha_restart_priority:s hardware_platform_version:i "
	  "has_vendor_device:b is_a_snapshot:b is_a_template:b "
	  "is_control_domain:b is_default_template:b is_snapshot_from_vmpp:b "
	  "is_vmss_snapshot:b last_boot_CPU_flags:M last_booted_record:s "
	  "memory__dynamic_max:i memory__dynamic_min:i memory__overhead:i "
	  "memory__static_max:i memory__static_min:i memory__target:i "
	  "metrics:r name__description:s name__label:s order:i "
	  "other_config:M parent:r pending_guidances:S "
	  "pending_guidances_full:S pending_guidances_recommended:S "
	  "platform:M power_state:e=Halted|Paused|Running|Suspended "
	  "protection_policy:r recommendations:s recommended_guidances:S "
	  "reference_label:s requires_reboot:b resident_on:r "
	  "scheduled_to_be_resident_on:r "
	  "secureboot_certificates_state:e=ok|update_available|update_on_boot "
	  "shutdown_delay:i snapshot_info:M snapshot_metadata:s "
	  "snapshot_of:r snapshot_schedule:r snapshot_time:d snapshots:S "
	  "start_delay:i suspend_SR:r suspend_VDI:r tags:S "
	  "transportable_snapshot_id:s user_version:i uuid:s version:i "
	  "xenstore_data:M " },
	{ "VMPP", 1, 20,
	  "VMs:S alarm_config:M "
	  "archive_frequency:e=never|always_after_backup|daily|weekly "
	  "archive_last_run_time:d archive_schedule:M "
	  "archive_target_config:M archive_target_type:e=none|cifs|nfs "
	  "backup_frequency:e=hourly|daily|weekly backup_last_run_time:d "
	  "backup_retention_value:i backup_schedule:M "
	  "backup_type:e=snapshot|checkpoint is_alarm_enabled:b "
	  "is_archive_running:b is_backup_running:b is_policy_enabled:b "
	  "name__description:s name__label:s recent_alerts:S uuid:s " },
	{ "VMSS", 1, 10,
	  "VMs:S enabled:b frequency:e=hourly|daily|weekly last_run_time:d "
	  "name__description:s name__label:s retained_snapshots:i schedule:M "
	  "type:e=snapshot|checkpoint|snapshot_with_quiesce uuid:s " },
	{ "VM_appliance", 1, 6,
	  "VMs:S allowed_operations:S current_operations:M "
	  "name__description:s name__label:s uuid:s " },
	{ "VM_group", 1, 5,
	  "VMs:S name__description:s name__label:s "
	  "placement:e=anti_affinity|normal uuid:s " },
	{ "VM_guest_metrics", 1, 16,
	  "PV_drivers_detected:b PV_drivers_up_to_date:b "
	  "PV_drivers_version:M can_use_hotplug_vbd:e=yes|no|unspecified "
	  "can_use_hotplug_vif:e=yes|no|unspecified disks:M last_updated:d "
	  "live:b memory:M netbios_name:M networks:M os_version:M other:M "
	  "other_config:M services:M uuid:s " },
	{ "VM_metrics", 1, 19,
	  "VCPUs__CPU:M VCPUs__flags:M VCPUs__number:i VCPUs__params:M "
	  "VCPUs__utilisation:M "
	  "current_domain_type:e=hvm|pv|pv_in_pvh|pvh|unspecified hvm:b "
	  "install_time:d last_updated:d memory__actual:i nested_virt:b "
	  "nomigrate:b numa_node_memory:M numa_nodes:i numa_optimised:b "
	  "other_config:M start_time:d state:S uuid:s " },
	{ "VTPM", 1, 9,
	  "VM:r allowed_operations:S backend:r contents:r "
	  "current_operations:M is_protected:b is_unique:b "
	  "persistence_backend:e=xapi uuid:s " },
	{ "VUSB", 1, 7,
	  "USB_group:r VM:r allowed_operations:S current_operations:M "
	  "currently_attached:b other_config:M uuid:s " },
	{ "blob", 1, 7,
	  "last_updated:d mime_type:s name__description:s name__label:s "
	  "public:b size:i uuid:s " },
	{ "console", 1, 6,
	  "VM:r location:s other_config:M port:i protocol:e=vt100|rfb|rdp "
	  "uuid:s " },
	{ "crashdump", 1, 4,
	  "VDI:r VM:r other_config:M uuid:s " },
	{ "host", 1, 82,
	  "API_version__major:i API_version__minor:i API_version__vendor:s "
	  "API_version__vendor_implementation:M PBDs:S PCIs:S PGPUs:S PIFs:S "
	  "PUSBs:S address:s allowed_operations:S bios_strings:M blobs:M "
	  "boot_free_mem:i capabilities:S certificates:S chipset_info:M "
	  "console_idle_timeout:i control_domain:r cpu_configuration:M "
	  "cpu_info:M crash_dump_sr:r crashdumps:S current_operations:M "
	  "display:e=enabled|disable_on_reboot|disabled|enable_on_reboot "
	  "edition:s editions:S enabled:b external_auth_configuration:M "
	  "external_auth_service_name:s external_auth_type:s features:S "
	  "guest_VCPUs_params:M ha_network_peers:S ha_statefiles:S "
	  "host_CPUs:S hostname:s https_only:b iscsi_iqn:s "
	  "last_software_update:d last_update_hash:s "
	  "latest_synced_updates_applied:e=yes|no|unknown license_params:M "
	  "license_server:M local_cache_sr:r logging:M max_cstate:s "
	  "memory__overhead:i metrics:r multipathing:b name__description:s "
	  "name__label:s ntp_custom_servers:S "
	  "ntp_mode:e=DHCP|Custom|Factory|Disabled "
	  "numa_affinity_policy:e=any|best_effort|default_policy "
	  "other_config:M patches:S pending_guidances:S "
	  "pending_guidances_full:S pending_guidances_recommended:S "
	  "power_on_config:M power_on_mode:s recommended_guidances:S "
	  "resident_VMs:S sched_policy:s secure_boot:b software_version:M "
	  "ssh_auto_mode:b ssh_enabled:b ssh_enabled_timeout:i ssh_expiry:d "
	  "ssl_legacy:b supported_bootloaders:S suspend_image_sr:r tags:S "
	  "timezone:s tls_verification_enabled:b uefi_certificates:s "
	  "updates:S updates_requiring_reboot:S uuid:s "
	  "virtual_hardware_platform_versions:S " },
	{ "host_cpu", 1, 13,
	  "family:i features:s flags:s host:r model:i modelname:s number:i "
	  "other_config:M speed:i stepping:s utilisation:f uuid:s vendor:s " },
	{ "host_crashdump", 1, 6,
	  "filename:s host:r other_config:M size:i timestamp:d uuid:s " },
	{ "host_metrics", 1, 6,
	  "last_updated:d live:b memory__free:i memory__total:i "
	  "other_config:M uuid:s " },
	{ "host_patch", 1, 11,
	  "applied:b filename:s host:r name__description:s name__label:s "
	  "other_config:M pool_patch:r size:i timestamp_applied:d uuid:s "
	  "version:s " },
	{ "network", 1, 16,
	  "MTU:i PIFs:S VIFs:S allowed_operations:S assigned_ips:M blobs:M "
	  "bridge:s current_operations:M "
	  "default_locking_mode:e=unlocked|disabled managed:b "
	  "name__description:s name__label:s other_config:M purpose:S tags:S "
	  "uuid:s " },
	{ "network_sriov", 1, 5,
	  "configuration_mode:e=sysfs|modprobe|manual|unknown logical_PIF:r "
	  "physical_PIF:r requires_reboot:b uuid:s " },
	{ "pool", 1, 67,
	  "allowed_operations:S auto_update_vm_secureboot_certificates:b "
	  "blobs:M client_certificate_auth_enabled:b "
	  "client_certificate_auth_name:s coordinator_bias:b cpu_info:M "
	  "crash_dump_SR:r current_operations:M custom_uefi_certificates:s "
	  "default_SR:r ext_auth_cache_enabled:b ext_auth_cache_expiry:i "
	  "ext_auth_cache_size:i ext_auth_max_threads:i guest_agent_config:M "
	  "gui_config:M ha_allow_overcommit:b ha_cluster_stack:s "
	  "ha_configuration:M ha_enabled:b ha_host_failures_to_tolerate:i "
	  "ha_overcommitted:b ha_plan_exists_for:i "
	  "ha_reboot_vm_on_internal_shutdown:b ha_statefiles:S "
	  "health_check_config:M igmp_snooping_enabled:b is_psr_pending:b "
	  "last_update_sync:d license_server:M limit_console_sessions:b "
	  "live_patching_disabled:b local_auth_max_threads:i master:r "
	  "metadata_VDIs:S migration_compression:b name_description:s "
	  "name_label:s other_config:M policy_no_vendor_device:b "
	  "recommendations:M redo_log_enabled:b redo_log_vdi:r "
	  "repositories:S repository_proxy_password:r repository_proxy_url:s "
	  "repository_proxy_username:s restrictions:M suspend_image_SR:r "
	  "tags:S telemetry_frequency:e=daily|weekly|monthly "
	  "telemetry_next_collection:d telemetry_uuid:r "
	  "tls_verification_enabled:b uefi_certificates:s update_sync_day:i "
	  "update_sync_enabled:b update_sync_frequency:e=daily|weekly uuid:s "
	  "vm_console_idle_timeout:i vswitch_controller:s wlb_enabled:b "
	  "wlb_password:r wlb_url:s wlb_username:s wlb_verify_cert:b " },
	{ "pool_patch", 1, 11,
	  "after_apply_guidance:S filename:s host_patches:S "
	  "name__description:s name__label:s other_config:M pool_applied:b "
	  "pool_update:r size:i uuid:s version:s " },
	{ "pool_update", 1, 11,
	  "after_apply_guidance:S enforce_homogeneity:b hosts:S "
	  "installation_size:i key:s name__description:s name__label:s "
	  "other_config:M uuid:s vdi:r version:s " },
	{ "role", 1, 5,
	  "is_internal:b name__description:s name__label:s subroles:S uuid:s " },
	{ "secret", 1, 3,
	  "other_config:M uuid:s value:s " },
	{ "session", 0, 16,
	  "auth_user_name:s auth_user_sid:s client_certificate:b "
	  "is_local_superuser:b last_active:d originator:s other_config:M "
	  "parent:r pool:b rbac_permissions:S subject:r tasks:S this_host:r "
	  "this_user:r uuid:s validation_time:d " },
	{ "subject", 1, 4,
	  "other_config:M roles:S subject_identifier:s uuid:s " },
	{ "task", 0, 22,
	  "allowed_operations:S backtrace:s created:d current_operations:M "
	  "error_info:S externalpid:i finished:d forwarded:b forwarded_to:r "
	  "name__description:s name__label:s other_config:M progress:f "
	  "resident_on:r result:s session:r "
	  "status:e=pending|success|failure|cancelling|cancelled "
	  "stunnelpid:i subtask_of:r subtasks:S type:s uuid:s " },
	{ "tunnel", 1, 6,
	  "access_PIF:r other_config:M protocol:e=gre|vxlan status:M "
	  "transport_PIF:r uuid:s " },
	{ "user", 1, 4,
	  "fullname:s other_config:M short_name:s uuid:s " },
};

#endif

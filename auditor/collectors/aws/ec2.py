"""EC2 security groups (ports open to the world, what they are attached to) and instances
(public and private addresses, groups), for joining with probed endpoints."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from auditor.collectors.aws.runtime import Scan
from auditor.resources import FirewallRule, Instance, PortRange, Ref

PERMISSIONS = ("ec2:DescribeRegions", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances")
OPERATIONS = {"ec2": frozenset({"DescribeRegions", "DescribeSecurityGroups", "DescribeInstances"})}

WORLD_V4, WORLD_V6 = "0.0.0.0/0", "::/0"


def world_open_ports(permissions: list[dict[str, Any]]) -> list[PortRange]:
    """Inbound port ranges open to 0.0.0.0/0 or ::/0 (protocol ``-1`` is every port)."""
    out: list[PortRange] = []
    for perm in permissions:
        world = any(r.get("CidrIp") == WORLD_V4 for r in perm.get("IpRanges") or []) or any(
            r.get("CidrIpv6") == WORLD_V6 for r in perm.get("Ipv6Ranges") or []
        )
        if not world:
            continue
        protocol = str(perm.get("IpProtocol", "-1")).lower()
        if protocol in ("-1", "all"):
            port = PortRange(protocol="all", start=0, end=65535)
        else:
            name = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(protocol, protocol)
            if name in ("icmp", "icmpv6"):
                port = PortRange(protocol=name, start=0, end=0)
            else:
                start, end = perm.get("FromPort"), perm.get("ToPort")
                start = 0 if start in (None, -1) else int(start)
                end = 65535 if end in (None, -1) else int(end)
                port = PortRange(protocol=name, start=start, end=end)
        if port not in out:
            out.append(port)
    return out


def _tags(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in items or [] if "Key" in t}


def sg_arn(region: str, account: str, group_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:security-group/{group_id}"


def _group_ids(inst: dict[str, Any]) -> list[str]:
    """Security groups of the instance and of each of its network interfaces."""
    groups = [str(g["GroupId"]) for g in inst.get("SecurityGroups") or []]
    for eni in inst.get("NetworkInterfaces") or []:
        groups += [str(g["GroupId"]) for g in eni.get("Groups") or []]
    return list(dict.fromkeys(groups))


def normalize_instance(inst: dict[str, Any], account: str, region: str) -> Instance:
    public, private = [], []
    for eni in inst.get("NetworkInterfaces") or []:
        for addr in eni.get("PrivateIpAddresses") or []:
            if addr.get("PrivateIpAddress"):
                private.append(str(addr["PrivateIpAddress"]))
            public_ip = (addr.get("Association") or {}).get("PublicIp")
            if public_ip:
                public.append(str(public_ip))
        for v6 in eni.get("Ipv6Addresses") or []:
            if v6.get("Ipv6Address"):
                public.append(str(v6["Ipv6Address"]))  # EC2 IPv6 addresses are globally routable
    if inst.get("PublicIpAddress"):
        public.append(str(inst["PublicIpAddress"]))
    if inst.get("PrivateIpAddress"):
        private.append(str(inst["PrivateIpAddress"]))
    tags = _tags(inst.get("Tags"))
    instance_id = str(inst["InstanceId"])
    return Instance(
        ref=Ref(
            provider="aws", cloud="aws", account=account, region=region,
            id=f"arn:aws:ec2:{region}:{account}:instance/{instance_id}", name=tags.get("Name", instance_id),
        ),
        tags=tags,
        public_ips=list(dict.fromkeys(public)),
        private_ips=list(dict.fromkeys(private)),
        firewall_rules=[sg_arn(region, account, g) for g in _group_ids(inst)],
    )


def normalize_security_group(group: dict[str, Any], account: str, region: str, attached: list[str]) -> FirewallRule:
    return FirewallRule(
        ref=Ref(
            provider="aws", cloud="aws", account=account, region=region,
            id=sg_arn(region, account, str(group["GroupId"])),
            name=f"{group.get('GroupName', group['GroupId'])} ({group['GroupId']})",
        ),
        tags=_tags(group.get("Tags")),
        world_open_ports=world_open_ports(group.get("IpPermissions") or []),
        attached_to=attached,
        network=group.get("VpcId"),
    )


class Ec2Collection:
    def __init__(self, scan: Scan) -> None:
        self.scan = scan

    def start(self) -> None:
        for region in self.scan.regions:
            self.scan.tasks.submit(f"ec2 {region}", self._region, region)

    def _region(self, region: str) -> None:
        scan = self.scan
        reservations, _ = scan.pages("ec2", region, "DescribeInstances", "Reservations")
        groups, _ = scan.pages("ec2", region, "DescribeSecurityGroups", "SecurityGroups")
        attached: dict[str, list[str]] = defaultdict(list)
        for reservation in reservations or []:
            for inst in reservation.get("Instances") or []:
                if (inst.get("State") or {}).get("Name") == "terminated":
                    continue
                instance = normalize_instance(inst, scan.account, region)
                scan.sink.add(instance)
                for rule in instance.firewall_rules:
                    attached[rule].append(instance.id)
        for group in groups or []:
            arn = sg_arn(region, scan.account, str(group["GroupId"]))
            scan.sink.add(normalize_security_group(group, scan.account, region, attached.get(arn, [])))

    def finish(self) -> None:
        pass

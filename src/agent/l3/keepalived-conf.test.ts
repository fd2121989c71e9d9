import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkLocalOf, type KeepalivedSettings, renderKeepalivedConf, routerDeviceName } from './keepalived-conf.js';

// Seed 000, after `router-interface-add testrouter subnet-testdhcp` (Neutron's settings of the time).
const SEED_000 = `vrrp_instance VR_1 {
    state BACKUP
    interface ha-835b136c-ec
    virtual_router_id 1
    priority 50
    garp_master_repeat 5
    garp_master_refresh 10
    nopreempt
    advert_int 2
    track_interface {
        ha-835b136c-ec
    }
    virtual_ipaddress {
        169.254.0.1/24 dev ha-835b136c-ec
    }
    virtual_ipaddress_excluded {
        192.168.200.1/24 dev qr-946f1e38-2e
        fe80::f816:3eff:fe1a:58d8/64 dev qr-946f1e38-2e scope link
    }
}
`;

const seedRouter = {
  vrid: 1,
  haDevice: routerDeviceName('ha-', '835b136c-ec5b-4c6b-8f60-0b0a8d4d1b1a'),
  haVip: '169.254.0.1/24',
  haAddress: '169.254.192.3',
  peers: ['169.254.192.2', '169.254.192.1'],
  interfaces: [{ device: routerDeviceName('qr-', '946f1e38-2ef3-4747-8a81-60b14909d8c0'), mac: 'fa:16:3e:1a:58:d8', cidrs: ['192.168.200.1/24'] }],
  gateway: null,
  floatingIps: [],
  routes: [],
};

const neutronSettings: KeepalivedSettings = {
  vrrpVersion: 2,
  advertInt: 2,
  priority: 50,
  garpMasterRepeat: 5,
  garpMasterRefresh: 10,
  unicast: false,
  globalDefs: false,
};

describe('renderKeepalivedConf', () => {
  it('renders seed 000 exactly with Neutron\'s settings', () => {
    assert.equal(renderKeepalivedConf(seedRouter, neutronSettings), SEED_000);
  });

  it('derives device names and link-locals as Neutron does', () => {
    assert.equal(routerDeviceName('qr-', '946f1e38-2ef3-4747-8a81-60b14909d8c0'), 'qr-946f1e38-2e');
    assert.equal(linkLocalOf('fa:16:3e:1a:58:d8'), 'fe80::f816:3eff:fe1a:58d8/64');
  });

  it('renders the sub-second unicast profile with GARPs when a split brain heals, untracked ports, auth, gateway, floating IPs, routes and a notify FIFO', () => {
    const conf = renderKeepalivedConf(
      {
        ...seedRouter,
        gateway: { device: 'qg-c0000000-01', mac: 'fa:16:3e:c0:00:01', cidrs: ['10.5.150.0/16'], nexthop: '10.5.0.1' },
        floatingIps: ['10.5.150.7'],
        routes: [{ destination: '10.50.0.0/16', nexthop: '192.168.200.20' }],
      },
      { ...neutronSettings, vrrpVersion: 3, advertInt: 0.1, downTimerAdverts: 2, garpMasterRefresh: 0, garpOnHeal: true, untrackPorts: true, unicast: true, authPassword: 's3cret', notifyFifo: '/var/lib/hanet/ha_confs/r1/notify.fifo', globalDefs: true },
    );
    assert.equal(
      conf,
      `global_defs {
    notification_email_from neutron@openstack.local
    router_id neutron
    vrrp_version 3
    notify_fifo /var/lib/hanet/ha_confs/r1/notify.fifo
}
vrrp_instance VR_1 {
    state BACKUP
    interface ha-835b136c-ec
    virtual_router_id 1
    priority 50
    garp_master_repeat 5
    garp_lower_prio_repeat 5
    higher_prio_send_advert
    nopreempt
    advert_int 0.1
    down_timer_adverts 2
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    unicast_src_ip 169.254.192.3
    unicast_peer {
        169.254.192.1
        169.254.192.2
    }
    track_interface {
        ha-835b136c-ec
    }
    virtual_ipaddress {
        169.254.0.1/24 dev ha-835b136c-ec
    }
    virtual_ipaddress_excluded {
        10.5.150.0/16 dev qg-c0000000-01 no_track
        10.5.150.7/32 dev qg-c0000000-01 no_track
        192.168.200.1/24 dev qr-946f1e38-2e no_track
        fe80::f816:3eff:fe1a:58d8/64 dev qr-946f1e38-2e scope link no_track
    }
    virtual_routes {
        0.0.0.0/0 via 10.5.0.1 dev qg-c0000000-01 no_track
        10.50.0.0/16 via 192.168.200.20 no_track
    }
}
`,
    );
  });

  it('rounds VRRPv2 intervals to whole seconds, as keepalived would', () => {
    assert.match(renderKeepalivedConf(seedRouter, { ...neutronSettings, advertInt: 0.5 }), /advert_int 1\n/);
  });

  it("leaves the RFCs' three missed adverts unwritten, as Neutron's file has no down_timer_adverts", () => {
    assert.doesNotMatch(renderKeepalivedConf(seedRouter, { ...neutronSettings, downTimerAdverts: 3 }), /down_timer_adverts/);
  });
});

// A lab config that uses every feature: the tests' starting point, parsed whole or edited into bad ones.
export const GOOD = `brokers:
  lab:
    url: mqtt://10.0.0.2:1883
    username: rtinfer
    passwordEnv: RTINFER_BROKER_PASSWORD
benches:
  bench-a:
    broker: lab
    devices:
      - { id: f7-1, serial: /dev/ttyACM0 }
      - { id: f7-2, usb: { vendorId: "0483", productId: "374B", serialNumber: 0671FF55 } }
      - { id: pi-1, mqtt: pi-1 }
    discover:
      usb: [{ vendorId: "0483", productId: "374b" }]
      mqtt: ["pi-*"]
  bench-b:
    devices:
      - { id: sim-b, serial: /tmp/sim-b }
defaults:
  bench: bench-a
  reconnect: { initialMs: 100, maxMs: 5000 }
`;

* Bias references: cascode gate voltages (global) and per-cell bias currents.
*
* Ideal elements (listed in every report): Vvbnc = {{vbnc}} V and Vvbpc = {{vbpc}} V, the cascode gates that
* keep every mirror device at |VDS| = 0.2 V (0.2 V + VGS of a cascode at the mirrors' current density), and
* one ideal current per bias slot of every cell (tails, offsets, follower currents), each feeding a
* diode-connected device inside the cell. A chip derives them from one master current by ratioed fingers.
.subckt kn_bias vbnc vbpc vss
Vvbnc vbnc vss dc {{vbnc}}
Vvbpc vbpc vss dc {{vbpc}}
.ends kn_bias

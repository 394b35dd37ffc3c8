* Simple current mirror, nfet (the pfet one is the same with vdd and vss exchanged).
*
* Schematic: diode D (drain = gate = in) and output O (gate in, drain out), both sources at vss.
* Bias: both at the same current density (same gm/ID, same L); ratio = {{O.nf}} / {{D.nf}} fingers.
* Transfer: I(out) = I(in) * O.nf / D.nf, with an error of about 18 %/V of |VDS(O) - VDS(D)| in weak
* inversion: use it only where the output voltage is fixed (bias distribution), never towards a node.
.subckt kn_mirror_simple in out vss
XD in in vss vss {{nfet}} w={{D.w}} l={{D.l}} nf={{D.nf}}
XO out in vss vss {{nfet}} w={{O.w}} l={{O.l}} nf={{O.nf}}
.ends kn_mirror_simple

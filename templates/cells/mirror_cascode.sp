* Low-voltage cascode current mirror, nfet (pfet: exchange vdd/vss and use vbpc).
*
* Schematic: input: cascode DC (drain in, gate vbnc, source dm) over D (drain dm, gate in, source vss);
* output: cascode OC (drain out, gate vbnc, source om) over O (drain om, gate in, source vss).
* Bias: vbnc = 0.2 V + VGS(cascode) so D and O both keep VDS = 0.2 V; all devices at one current density
* so one global vbnc serves every mirror. Ratio = {{O.nf}} / {{D.nf}} parallel fingers.
* Transfer: I(out) = I(in) * O.nf / D.nf for V(out) above about 0.3 V; the output resistance is the
* cascode gain times r_o, which keeps the copy within about 0.1 % over a 0.4 V node swing.
.subckt kn_mirror_cascode in out vbnc vss
XD dm in vss vss {{nfet}} w={{D.w}} l={{D.l}} nf={{D.nf}}
XDC in vbnc dm vss {{nfet}} w={{DC.w}} l={{DC.l}} nf={{DC.nf}}
XO om in vss vss {{nfet}} w={{O.w}} l={{O.l}} nf={{O.nf}}
XOC out vbnc om vss {{nfet}} w={{OC.w}} l={{OC.l}} nf={{OC.nf}}
.ends kn_mirror_cascode

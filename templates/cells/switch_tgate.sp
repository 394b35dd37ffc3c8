* Layer switch: transmission gate between a cell terminal and a network node.
*
* Schematic: nfet N (gate en) and pfet P (gate enb) in parallel between a and b.
* Bias: en = vdd, enb = vss during the layer's window [t_k, t_{k+1}) * tau, the reverse otherwise.
* Transfer: on-resistance in series with a cascoded current output (negligible for the current); off, the
* cell's output stage is disconnected and its current is steered into vcm by the writer's dump switch.
.subckt kn_switch_tgate a b en enb vdd vss
XN a en b vss {{nfet}} w={{N.w}} l={{N.l}} nf={{N.nf}}
XP a enb b vdd {{pfet}} w={{P.w}} l={{P.l}} nf={{P.nf}}
.ends kn_switch_tgate

* Node capacitor: {{units}} MIM units of side {{side}} um in parallel from the node to vss.
*
* Capacitance C per node (the scaling's C): tau = C * alpha / beta is the time of one model time unit.
* Transfer: C dV/dt = sum of the edge currents into the node.
.subckt kn_node_cap node vss
XC node vss {{cap}} w={{side}} l={{side}} mf={{units}}
.ends kn_node_cap

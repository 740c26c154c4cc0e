"""Exercise: the order backward runs the graph in (Kahn's algorithm).

Read: docs/READING.md, section 6 (The engine: Kahn's algorithm).
Lesson: every lesson's `loss.backward()`.

A node (the `grad_fn` of a tensor: a Function) may run its backward only when every node that
used its outputs has sent it their gradient. So count, for each node reachable from the output,
how many edges point at it (its consumers); start from the nodes nobody consumes; run a node,
then decrement the count of each node it points at, and a node whose count reaches 0 is ready.

`node.inputs` holds one edge per argument of the op: `None` (no gradient wanted), a leaf
Tensor (not a node: skip it), or a tuple `(producer_node, output_nr)`. The same producer may
appear in several edges (x * x): every edge counts.

Return every node reachable from `output.grad_fn` exactly once, each after all of its consumers.
Check: minigrad exercise check topo_order
"""


def backward_order(output):
    """The nodes of ``output``'s graph in an order backward can run them."""
    # YOUR CODE BEGINS
    consumers = {output.grad_fn: 0}
    stack = [output.grad_fn]
    while stack:                                  # count the edges into every reachable node
        node = stack.pop()
        for edge in node.inputs:
            if type(edge) is tuple:
                producer = edge[0]
                if producer not in consumers:
                    consumers[producer] = 0
                    stack.append(producer)
                consumers[producer] += 1
    order, ready = [], [output.grad_fn]
    while ready:
        node = ready.pop()
        order.append(node)
        for edge in node.inputs:
            if type(edge) is tuple:
                consumers[edge[0]] -= 1
                if consumers[edge[0]] == 0:
                    ready.append(edge[0])
    return order
    # YOUR CODE ENDS

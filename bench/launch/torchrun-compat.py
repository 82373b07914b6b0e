"""Plain torchrun for the baseline, with the one fix torch 1.13 needs on Python 3.11.

Python 3.11 no longer iterates the zero member of an IntFlag, so Std.from_str("0") returns None and
torchrun dies before starting workers ('NoneType' object has no attribute 'get'). This maps the
value straight to Std; nothing else of torchrun is touched.
"""
import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _from_str(cls, vm):
    if re.match(api._VALUE_REGEX, vm):
        return cls(int(vm))
    if re.match(api._MAPPING_REGEX, vm):
        return {int(i): cls(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm} does not match: <{api._VALUE_REGEX}> or <{api._MAPPING_REGEX}>")


api.Std.from_str = classmethod(_from_str)

from torch.distributed.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

"""The seeded citizens (docs/contracts.md) and three extras, for tests."""
WANG = "510104198506122310"     # 王建国 13880000001
LI = "510107199203084525"       # 李芳 13880000002
ZHAO = "510122197811250069"     # 赵丽 13880000003 (one pension: 城镇职工)
CHEN = "11010520000229003X"     # 陈晨 13880000004
LIU = "440306199507151287"      # 刘洋 13880000005
# Citizens for the cross-department checks
ZHANG_GUILAN = "510121195203150026"  # 张桂兰 13880000006: two basic pensions
ZHOU_DEMING = "510122194807120030"   # 周德明 13880000007: pension paid after death
SUN_XIAOMEI = "510108198009090042"   # 孙小梅 13880000008: 低保 and a company's legal representative
# Extras
ZHANG_WEI = "510108199003151232"     # 张伟 13880000016
YANG = "510105198807092043"          # 杨敏 13880000017
HUANG = "510106197512033013"         # 黄磊 13880000018
UNKNOWN = "510104199001011230"  # a valid ID nobody in the sandbox has

ALL_IDS = (WANG, LI, ZHAO, CHEN, LIU, ZHANG_GUILAN, ZHOU_DEMING, SUN_XIAOMEI, ZHANG_WEI, YANG, HUANG)
ALL_PHONES = tuple(f"1388000000{i}" for i in range(1, 9)) + ("13880000016", "13880000017", "13880000018")

from faxcampaign.cli import main

main()
